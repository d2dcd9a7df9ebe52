"""A pre-warmed parent for the processes that run learner code: it imports TensorFlow once, then
forks a confined keeper per step (autograder.sandbox.child.confine), so no step pays the import again.

Started as a program by autograder.sandbox.launch.Zygote, inside bubblewrap where the machine allows
it, with a scrubbed environment; speaks JSON lines:
    stdin:  {"id": 7, "step": 4, "kind": "step", "job": "7", "filename": "step4_train.py",
             "uid": 61000 | null, "jobs": "/jobs", "group": true, "limits": {"timeout": 120, ...}}
    stdout: {"id": 7, "pid": 1234}      when the keeper has started
            {"id": 7, "status": 0}      when it has ended (a raw wait status; the step's own
                                        result and exit status are in its job folder)

Fork is safe here because nothing in this process has started TensorFlow's thread pools yet: it
only imports. The zygote itself is single-threaded and never runs learner code.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import signal
import sys

os.environ.update({"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"})
# The replies go through a descriptor of their own: what an import prints (TensorFlow prints some
# warnings to stdout) goes to stderr, the grader's log, and cannot garble a reply.
_replies = os.fdopen(os.dup(1), "w", closefd=True)
os.dup2(2, 1)

import numpy  # noqa: E402,F401

from autograder.sandbox.child import confine, harness  # noqa: E402

# A light zygote serves steps that need no TensorFlow (step 1): it answers in about a second.
PRELOAD_TENSORFLOW = os.environ.pop("KERAS_COURSE_LIGHT", "") != "1"
if PRELOAD_TENSORFLOW:
    import keras  # noqa: F401 - the point of the zygote: import once, before any fork

    from autograder.core import reference  # noqa: F401

    harness.prepare_tensorflow()  # a setting only: still no TensorFlow op (nor thread pool) before fork

_kill = os.kill  # captured before any learner code runs
_streams = (sys.stdout, sys.stderr)  # in a runner they write to child.log: the learner's prints


def _run_learner_step(request: dict, learner_file: harness.Path, workdir: harness.Path) -> None:
    """In the confined runner: run the step (or, with no learner code, the grader's own rebuild of a
    step 2 or 3 answer, or replay of a step 4 training: autograder.sandbox.replay), then
    write its export once nothing else of the learner's runs (PID 1 of its namespace: kill(-1)
    reaches every other process in it)."""
    if request.get("kind") == "probe":  # the availability probe: the confinement itself is the test
        return
    if request.get("kind") in ("replay", "rebuild"):
        action = harness.replay if request["kind"] == "replay" else harness.rebuild
        action(json.loads(learner_file.read_text())).write(workdir)
        return
    out = harness.run(int(request["step"]), learner_file)
    if os.getpid() == 1:
        try:
            _kill(-1, signal.SIGKILL)
        except OSError:
            pass
    out.write(workdir)
    for stream in _streams:  # os._exit drops Python's buffers: what the learner printed must reach the log
        with contextlib.suppress(Exception):
            stream.flush()


def _child(request: dict) -> None:
    """In the forked keeper: never return to the zygote's loop."""
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        confine.keep(request, _run_learner_step)
    finally:
        os._exit(70)


def _reply(message: dict) -> None:
    _replies.write(json.dumps(message) + "\n")
    _replies.flush()


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
                _reply({"id": running.pop(pid)["id"], "status": status})


def _harden() -> None:
    """Reap orphaned descendants here (Linux) and let no process of the same user id ptrace or
    read this one."""
    libc = ctypes.CDLL(None)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0


if __name__ == "__main__":
    if os.environ.pop("KERAS_COURSE_ROOT_SANDBOX", None):
        confine.prepare_zygote_as_root()
    _harden()
    _reply({"ready": True, "tensorflow": "tensorflow" in sys.modules})
    serve()
