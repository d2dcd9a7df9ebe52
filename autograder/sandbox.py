"""Confine the current process before it runs learner code: its own session, working directory,
environment and resource limits. Called in a freshly forked child (see autograder.zygote), or before
the harness starts where there is no fork server (macOS; Windows gets the environment only)."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path
from typing import Any

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


def _address_space() -> int:
    """Bytes of address space this process already has mapped (TensorFlow maps a lot at import)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tasks_of(uid: int) -> int:
    """Processes and threads this user id already runs (Linux); they count against RLIMIT_NPROC."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count


def limit_resources(limits: dict[str, Any], dropping_to_uid: bool) -> None:
    """Memory, file size, open files, core dumps and processes (POSIX; nothing on Windows)."""
    if resource is None:
        return
    if sys.platform.startswith("linux"):  # macOS does not enforce RLIMIT_AS
        memory = _address_space() + int(limits["memory_bytes"])
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # RLIMIT_NPROC counts every task of the real user id, threads included: a child under its own
    # uid starts from zero; a learner's own `check` starts from whatever that user already runs.
    processes = int(limits["processes"])
    if not dropping_to_uid:
        if not sys.platform.startswith("linux"):
            return
        processes += tasks_of(os.getuid())
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def environment(workdir: str) -> dict[str, str]:
    """Only what Python and TensorFlow need; nothing of the caller's secrets or paths."""
    windows = {"SYSTEMROOT": os.environ.get("SYSTEMROOT", "")} if os.name == "nt" else {}
    return windows | {
        "PATH": os.defpath,
        "HOME": workdir,
        "TMPDIR": workdir,
        "KERAS_HOME": os.path.join(workdir, ".keras"),
        "MPLCONFIGDIR": os.path.join(workdir, ".mpl"),
        "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "CUDA_VISIBLE_DEVICES": "",
        "KERAS_BACKEND": "tensorflow",
    }


def enter(workdir: str, limits: dict[str, Any], uid: int | None = None) -> None:
    """Confine this (forked) process. As root with a `uid`, also drop to that unprivileged user id,
    which makes the process limit count and leaves the grades and other files unwritable."""
    os.setsid()  # its own process group: the parent kills it as a whole
    os.umask(0o077)
    log = os.open(os.path.join(workdir, "child.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.chdir(workdir)
    os.environ.clear()
    os.environ.update(environment(workdir))
    dropping = uid is not None and os.geteuid() == 0
    limit_resources(limits, dropping)
    if dropping:
        _become(uid)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


_PR_SET_KEEPCAPS = 8
_CAPABILITY_VERSION_3 = 0x20080522
_CAP_DAC_READ_SEARCH = 2


def _become(uid: int) -> None:
    """Switch to `uid`, keeping only the right to read files (CAP_DAC_READ_SEARCH).

    Python's own library may sit under a directory only root can enter (here /root/.pyenv), and
    learner code imports modules lazily; reading stays allowed, writing and signalling others do not,
    and the process limit binds (it never does for uid 0).
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_KEEPCAPS, 1, 0, 0, 0)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    data = (_CapData * 2)()
    data[0].effective = data[0].permitted = 1 << _CAP_DAC_READ_SEARCH
    libc.capset(ctypes.byref(_CapHeader(_CAPABILITY_VERSION_3, 0)), data)  # best effort
