"""A pre-warmed parent for the children that run learner code: it imports TensorFlow once, then
forks one child per step, so no step pays the 2-3 s import again.

Started by autograder.runner.Zygote with a scrubbed environment; speaks JSON lines:
    stdin:  {"id": 7, "step": 4, "file": "/abs/step4_train.py", "workdir": "/tmp/x", "limits": {...}}
    stdout: {"id": 7, "pid": 1234}      when the child has started
            {"id": 7, "status": 0}      when it has ended (a raw wait status)

Fork is safe here because nothing in this process has started TensorFlow's thread pools yet: it
only imports. The zygote itself is single-threaded and never runs learner code.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys

os.environ.update({"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"})

import keras  # noqa: E402,F401 - the point of the zygote: import once, before any fork
import numpy  # noqa: E402,F401

from autograder import harness, reference, sandbox  # noqa: E402,F401

harness.prepare_tensorflow()  # a setting only: still no TensorFlow op (nor thread pool) before fork


def _child(request: dict) -> None:
    """In the forked child: confine, run the step, write the result; never return."""
    status = 1
    try:
        workdir = request["workdir"]
        sandbox.enter(workdir, request["limits"], request.get("uid"))
        out = harness.run(int(request["step"]), harness.Path(request["file"]))
        out.write(harness.Path(workdir))
        status = 0
    except BaseException:  # noqa: BLE001 - the child must not fall back into the zygote loop
        status = 3
    finally:
        os._exit(status)


def _reply(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _sweep(uid: int | None) -> None:
    """Kill every process left running under a child's user id (escaped grandchildren included)."""
    if uid is None or os.geteuid() != 0:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setuid(uid)
            os.kill(-1, 9)  # every process this uid may signal, except the caller itself
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def serve() -> None:
    running: dict[int, dict] = {}  # pid -> request
    stdin = sys.stdin.fileno()
    # A child's end wakes the select below at once (no polling delay on every step).
    child_ended, wakeup = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wakeup)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    buffer = b""
    open_input = True
    while open_input or running:
        readable, _, _ = select.select([stdin, child_ended] if open_input else [child_ended], [], [], 1.0)
        if child_ended in readable:
            os.read(child_ended, 4096)
        if stdin in readable:
            chunk = os.read(stdin, 65536)
            open_input = bool(chunk)
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    os.close(child_ended)
                    os.close(wakeup)
                    _child(request)
                running[pid] = request
                _reply({"id": request["id"], "pid": pid})
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            if pid in running:
                request = running.pop(pid)
                _sweep(request.get("uid"))
                _reply({"id": request["id"], "status": status})


def _adopt_orphans() -> None:
    """Become the reaper of orphaned descendants (Linux), so a killed child's leftovers are reaped
    here at once rather than lingering as zombies that count against their uid's process limit."""
    import ctypes

    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


if __name__ == "__main__":
    _adopt_orphans()
    _reply({"ready": True})
    serve()
