"""Confine the current process before it runs learner code: its own session, working directory,
environment and resource limits. Called in a freshly forked child (see autograder.zygote)."""

from __future__ import annotations

import ctypes
import os
import resource
from typing import Any


def _address_space() -> int:
    """Bytes of address space this process already has mapped (TensorFlow maps a lot at import)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def environment(workdir: str) -> dict[str, str]:
    """Only what Python and TensorFlow need; nothing of the caller's secrets or paths."""
    return {
        "PATH": os.defpath,
        "HOME": workdir,
        "TMPDIR": workdir,
        "KERAS_HOME": f"{workdir}/.keras",
        "MPLCONFIGDIR": f"{workdir}/.mpl",
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
    extra_memory = int(limits["memory_bytes"])
    memory = _address_space() + extra_memory
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Counts the tasks (threads too) of the real user id; TensorFlow starts a few dozen threads.
    resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
    if uid is not None and os.geteuid() == 0:
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
