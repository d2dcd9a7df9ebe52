"""Confine the current process before it runs learner code: its own session, working directory,
environment and resource limits. Called in a freshly forked child (see autograder.zygote)."""

from __future__ import annotations

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


def enter(workdir: str, limits: dict[str, Any]) -> None:
    os.setsid()  # its own process group: the parent kills it as a whole
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
