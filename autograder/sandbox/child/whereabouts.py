"""What a running step tells the learner: the epoch a long fit is at, while it runs (the keeper
copies it out), and where in the learner's file it was when the keeper stopped it (the runner's
Python stack, which faulthandler writes on the keeper's signal just before the kill)."""

from __future__ import annotations

import contextlib
import faulthandler
import os
import re
import signal
import stat
import time

from autograder.sandbox.child.contract import PROGRESS_FILE, STACK_FILE, STACK_SIGNAL

DUMP_AT = 0.6  # of the memory cap: ask the runner where it is (the kernel kills at the cap itself)
DUMP_WAIT = 0.2  # seconds the runner gets to write its stack before the kill


_EPOCH = re.compile(rb"Epoch (\d{1,7})/(\d{1,7})")
_PROGRESS_TAIL, PROGRESS_PAUSE = 4096, 0.5  # bytes of the log read for its last epoch; seconds between


def copy_progress(workdir: str, job: int) -> None:
    """The last `Epoch n/N` line Keras printed (fit's default), written to the job folder as
    PROGRESS_FILE ("n N"), for the learner's terminal while a long step runs. Only digits leave."""
    try:
        log = os.open(os.path.join(workdir, "child.log"), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return
    try:
        info = os.fstat(log)
        tail = (
            os.pread(log, _PROGRESS_TAIL, max(0, info.st_size - _PROGRESS_TAIL))
            if stat.S_ISREG(info.st_mode)
            else b""
        )
    finally:
        os.close(log)
    if not (epochs := _EPOCH.findall(tail)):
        return
    done, total = epochs[-1]
    fresh = f".{PROGRESS_FILE}"
    with contextlib.suppress(OSError):
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=job)
        with os.fdopen(fd, "wb") as out:
            out.write(done + b" " + total)
        os.replace(fresh, PROGRESS_FILE, src_dir_fd=job, dst_dir_fd=job)


def dump_stack(pid: int, wait: float) -> bool:
    """Ask the runner for its Python stack (faulthandler writes it to STACK_FILE), and give it `wait`
    seconds: where a step that never ends is, for the learner (a loop that never ends)."""
    try:
        os.kill(pid, getattr(signal, STACK_SIGNAL))
    except OSError:
        return False
    time.sleep(wait)
    return True


def stack_on_signal() -> None:
    """On the keeper's signal, write the Python stack to STACK_FILE (before seccomp: it sets up an
    alternate signal stack). Advice only: a runner that cannot is run all the same."""
    try:
        stack = os.open(STACK_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        faulthandler.register(getattr(signal, STACK_SIGNAL), file=stack, all_threads=True)
    except (OSError, ValueError, RuntimeError):
        signal.signal(getattr(signal, STACK_SIGNAL), signal.SIG_IGN)  # the signal must never end it
