"""What the two sides of the sandbox agree on, and all the trusted side may import of the child side:
what a step may use (Limits) and how the limits are set, the environment a child gets, the files a
step leaves for the grader and their caps, and the `fit` settings a replay reproduces.

Imported by the child side (the keeper applies the limits and the environment) and by the trusted
side (autograder.sandbox.launch starts children with them, autograder.sandbox.results reads what they
leave); it imports nothing of the package and runs no learner code.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

JOBS = "/jobs"  # the grader's scratch folder inside the sandbox: one sub-folder per step
STEP = "/step"  # the runner's work folder (a private tmpfs) when isolated
GROUPS = "/sandbox/groups"  # the steps' memory groups (cgroups), when the machine lets the grader make them
PRIVATE_TEMP = ("/tmp", "/var/tmp", "/dev/shm")  # a fresh, size-capped tmpfs each in every step
INNER_UID = 1000  # the learner's user id inside its namespace: not 0, so exec regains no capability
RESULT_FILES = {"result.json": 2 << 20, "arrays.npz": 8 << 20}  # what the keeper copies out, and caps
LOG_TAIL = 64 << 10  # the last bytes of the learner's output that the grader sees
# Where a step was when the keeper stopped it (time, memory): the runner's Python stack, dumped by
# faulthandler on this signal just before the kill, and at most this many bytes of it.
STACK_FILE, STACK_SIGNAL, STACK_CAP = "stack.txt", "SIGUSR1", 16 << 10
PROGRESS_FILE = "progress"  # "n N": the last epoch Keras printed, kept up to date while a step runs
# Bytes of the file a child reads: a learner's step file (core.files.STEP_FILE_CAP, refused above
# that by the grader) or the grader's own rebuild or replay request, which can be larger.
SOURCE_CAP = 2 << 20

# fit's arguments a replay reproduces (autograder.sandbox.replay); anything else that could change
# the weights makes the training unverifiable (autograder.sandbox.child.harness).
REPLAYED = ("epochs", "batch_size", "shuffle", "validation_split", "initial_epoch", "steps_per_epoch")


@dataclass(frozen=True)
class Limits:
    """What one step may use. `timeout` None means each step's own time limit."""

    timeout: float | None = None
    memory_bytes: int = 1 << 30  # memory of all the step's processes together (see autograder.sandbox.groups)
    address_space_bytes: int = 4 << 30  # one process's address space, on top of what the zygote has mapped
    cpu_seconds: int = 600
    file_bytes: int = 64 << 20  # one file
    work_bytes: int = 128 << 20  # the step's work folder in all
    tmp_bytes: int = 128 << 20  # each private temp folder (/tmp, /var/tmp, /dev/shm) in all
    open_files: int = 256
    processes: int = 64  # tasks (threads included) in the step's own user namespace; a step uses ~8


@dataclass(frozen=True)
class Job:
    """One child's work, resolved once: the step, the file the child reads (a copy of `content`),
    what runs ("step": the learner's file; "rebuild", "replay": the grader's own recompute; "probe")
    and its limits, `limits.timeout` set (Job.of resolves a step's own time limit)."""

    step: int
    filename: str
    content: bytes
    limits: Limits
    kind: str = "step"

    @classmethod
    def of(
        cls, step: int, filename: str, content: bytes, limits: Limits, time_limit: float, kind: str = "step"
    ) -> Job:
        """A job whose timeout is the one asked for (limits.timeout), else the step's own."""
        return cls(step, filename, content, replace(limits, timeout=limits.timeout or time_limit), kind)

    @property
    def timeout(self) -> float:
        assert self.limits.timeout is not None, "a Job's timeout is resolved when it is made"
        return self.limits.timeout


def address_space() -> int:
    """Bytes of address space this process already has mapped (TensorFlow maps a lot at import)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def limit_resources(limits: dict[str, Any], mapped: int | None = None) -> None:
    """Memory, CPU time, file size, open files, core dumps and processes (POSIX; nothing on Windows).

    The process limit counts the tasks of the user id *in the caller's user namespace*: in a fresh
    namespace it starts from zero, per step; without one it also counts the user's other processes.
    """
    if resource is None:
        return
    if sys.platform.startswith("linux"):  # macOS does not enforce RLIMIT_AS
        memory = (address_space() if mapped is None else mapped) + int(limits["address_space_bytes"])
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_bytes"], limits["file_bytes"]))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("isolated"):
        processes = int(limits["processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def environment(home: str, tmp: str | None = None) -> dict[str, str]:
    """Only what Python and TensorFlow need; nothing of the caller's secrets or paths."""
    windows = {"SYSTEMROOT": os.environ.get("SYSTEMROOT", "")} if os.name == "nt" else {}
    return windows | {
        "PATH": os.defpath,
        "HOME": home,
        "TMPDIR": tmp or home,
        "KERAS_HOME": os.path.join(home, ".keras"),
        "MPLCONFIGDIR": os.path.join(home, ".mpl"),
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
