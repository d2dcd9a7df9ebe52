"""Starting the children that run learner code: on Linux a client of the fork server
(autograder.sandbox.child.zygote, started as a program, inside bubblewrap where the machine allows
it), elsewhere a fresh `python -m autograder.sandbox.child.harness` per step.

Neither imports the child side's code: they start it as a program and share only its contract
(autograder.sandbox.child.contract: the environment, the limits, the files a step leaves).

Over 400 lines: the fork server's client is one lifecycle (start, probe, send, replies, end on a lost
server or Ctrl+C) whose locking reads best in one place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autograder.sandbox import bubblewrap
from autograder.sandbox.bubblewrap import SandboxUnavailable
from autograder.sandbox.child import contract
from autograder.sandbox.child.contract import Job, Limits
from autograder.sandbox.groups import StepGroups
from autograder.sandbox.results import last_line, step_status

PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
HARNESS = "autograder.sandbox.child.harness"


class OnceEach:
    """Compute each key's value once, even when several threads ask for it at the same time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, Future] = {}

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            future, owner = self._values.get(key), False
            if future is None:
                future, owner = self._values.setdefault(key, Future()), True
        if owner:
            try:
                future.set_result(compute())
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                future.set_exception(exc)
        return future.result()

    def forget(self, key: str) -> None:
        """Compute `key` again next time (its value was a failure that a retry may not repeat)."""
        with self._lock:
            self._values.pop(key, None)


class ZygoteLost(RuntimeError):
    """The zygote process ended: the steps it was running are lost (it is restarted for the next)."""


class Zygote:
    """Client of an autograder.sandbox.child.zygote process: one TensorFlow import, then one fork per step.

    `isolated`: inside bubblewrap, each step in its own namespaces (the grader's sandbox). Without
    it (a learner's `check` where the machine has no sandbox) the steps still get their limits."""

    START_TIMEOUT = 180.0
    GRACE = 60.0  # seconds past a step's own time limit before the zygote itself is presumed stuck

    def __init__(self, isolated: bool = True, light: bool = False, mode: str | None = None) -> None:
        self.isolated, self.light = isolated, light
        self.mode = (mode or sandbox_mode()) if isolated else None
        self.tensorflow: bool | None = None  # whether the fork server imported TensorFlow (it says)
        # As root, the steps run as a user id of their own: switched to by each keeper ("root"), or
        # already the fork server's own ("dropped": bubblewrap itself runs as it).
        self._owner = bubblewrap.child_uid() if self.mode in ("root", "dropped") else None
        self._setuid = self._owner if self.mode == "root" else None
        self._scratch = Path(tempfile.mkdtemp(prefix="keras-course-jobs-"))
        self._scratch.chmod(0o711)  # the child uid passes through to its own job folder, lists none
        self._stage = bubblewrap.stage_package(Path(tempfile.mkdtemp(prefix="keras-course-stage-")))
        self._groups = StepGroups.create(self._owner) if isolated else None
        self._log: Any = None  # the fork server's stderr (bubblewrap's complaints), for a reason
        # Removed by close(), or at exit when a fork server was still starting (in a background thread).
        self._remove_folders = weakref.finalize(
            self, _remove_folders, self._scratch, self._stage, self._groups
        )
        self._jobs = itertools.count()
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._replies: dict[int, queue.Queue] = {}
        self._closed = False
        # bubblewrap's --die-with-parent ends the sandbox when the *thread* that started it ends: every
        # start (and restart, asked for by any worker thread) forks from this one, which lives until close().
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keras-course-zygote")
        self.replays = OnceEach()
        try:
            self._start()
        except BaseException:  # it did not start, or Ctrl+C while it started
            self._starter.shutdown(wait=False)
            self._remove_folders()
            raise

    def _start(self) -> None:
        env = contract.environment("/" if self.isolated else str(self._scratch))
        if self.light:
            env["KERAS_COURSE_LIGHT"] = "1"
        user: dict[str, Any] = {}
        if self.isolated:
            assert self.mode is not None  # isolated: __init__ chose one
            env.update(bubblewrap.environment())
            groups = self._groups.folder if self._groups else None
            argv = bubblewrap.command(self._stage, self._scratch, self.mode, groups)
            if self.mode == "dropped":
                user = {"user": self._owner, "group": self._owner, "extra_groups": []}
        else:
            env["PYTHONPATH"] = str(self._stage)
            argv = [sys.executable, "-s", "-m", bubblewrap.ZYGOTE]
        self._log = tempfile.TemporaryFile(prefix="keras-course-zygote-")
        # mypy cannot pick one of Popen's overloaded constructors through submit's ParamSpec.
        process = self._starter.submit(
            subprocess.Popen,  # type: ignore[arg-type]
            argv,
            cwd=self._scratch,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=True,
            **user,
        ).result()
        ready: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(process, ready), daemon=True).start()
        try:
            started = ready.get(timeout=self.START_TIMEOUT)
        except queue.Empty:
            started = False
        except BaseException:  # Ctrl+C while TensorFlow is imported: nothing may be left running
            self._end(process)
            raise
        if not started:
            self._end(process)
            raise ZygoteLost(f"the fork server did not start{self._complaint()}")
        self._process = process

    def _complaint(self) -> str:
        """The last line the fork server wrote to stderr (bubblewrap's own reason, say), if any."""
        try:
            self._log.seek(0, os.SEEK_END)
            self._log.seek(max(0, self._log.tell() - 2000))
            lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        except (OSError, ValueError, AttributeError):
            return ""
        return f": {lines[-1][:300]}" if lines else ""

    def _read(self, process: subprocess.Popen, ready: queue.Queue) -> None:
        assert process.stdout is not None  # started with stdout=PIPE
        for line in process.stdout:
            try:
                message = json.loads(line)
                assert isinstance(message, dict)
            except (ValueError, AssertionError):
                continue  # not a reply (the fork server's own replies are JSON objects, one a line)
            if "ready" in message:
                self.tensorflow = message.get("tensorflow")
                ready.put(True)
            elif message["id"] in self._replies:
                self._replies[message["id"]].put(message)
        ready.put(False)
        with self._lock:
            if self._process is process or self._closed:  # closed: close() let go of it first
                self._process = None
                for replies in self._replies.values():  # nobody will answer them any more
                    replies.put({"lost": True})
        process.wait()  # its output ended with it: reap it (a long session restarts dead ones)

    def _send(self, request: dict[str, Any], replies: queue.Queue) -> None:
        with self._lock:
            if self._closed:
                raise ZygoteLost("the fork server was closed")
            if self._process is None or self._process.poll() is not None:
                self._start()
            self._replies[request["id"]] = replies
            assert self._process is not None and self._process.stdin is not None  # _start set it, stdin=PIPE
            self._process.stdin.write((json.dumps(request) + "\n").encode())
            self._process.stdin.flush()

    def _reply(self, replies: queue.Queue, timeout: float) -> dict[str, Any]:
        message = replies.get(timeout=timeout)
        if "lost" in message:
            raise ZygoteLost("the fork server ended")
        return message

    def _restart(self, process: subprocess.Popen | None) -> None:
        """Kill a stuck fork server; the next step starts a new one."""
        with self._lock:
            if process is not None and self._process is process:
                process.kill()

    @contextmanager
    def job_folder(self) -> Iterator[Path]:
        """A fresh job folder for one step, removed afterwards."""
        folder = self._scratch / str(next(self._jobs))
        folder.mkdir(mode=0o700)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def run(self, job: Job, folder: Path) -> dict[str, Any]:
        """Run one child on folder/job.filename; the keeper's report (exit_code, timed_out, out_of_memory...)."""
        if self._owner is not None:
            os.chown(folder, self._owner, self._owner)
        if self._groups is not None:
            self._groups.prepare(folder.name, job.limits.memory_bytes)
        request: dict[str, Any] = {
            "id": int(folder.name),
            "step": job.step,
            "kind": job.kind,
            "job": folder.name,
            "jobs": "/jobs" if self.isolated else str(self._scratch),
            "filename": job.filename,
            "uid": self._setuid,
            "group": self._groups is not None,
            "limits": dataclasses.asdict(job.limits) | {"isolated": self.isolated},
        }
        replies: queue.Queue = queue.Queue()
        try:
            self._send(request, replies)
            process = self._process
            try:
                self._reply(replies, self.START_TIMEOUT)  # started
                status = self._reply(replies, job.timeout + self.GRACE)["status"]
            except queue.Empty:
                self._restart(process)
                raise ZygoteLost("the fork server stopped answering") from None
            finally:
                self._replies.pop(request["id"], None)
        finally:
            if self._groups is not None:
                self._groups.remove(folder.name)
        if os.waitstatus_to_exitcode(status) != 0:
            return {"exit_code": None, "keeper": os.waitstatus_to_exitcode(status)}
        return step_status(folder)

    def probe(self) -> str | None:
        """None when a step can be confined here (a step of nothing, through every wall), else why not."""
        with self.job_folder() as folder:
            (folder / "probe").write_bytes(b"")
            (folder / "probe").chmod(0o644)
            try:
                report = self.run(Job(1, "probe", b"", Limits(timeout=60.0), "probe"), folder)
            except ZygoteLost as exc:
                return str(exc)
            said = last_line(folder)  # a runner that knows why it could not be confined says so last
        if report.get("exit_code") == 0:
            return None
        why = (
            f"a step could not be confined (keeper {report.get('keeper')}, runner {report.get('exit_code')})"
        )
        return f"{why}: {said}" if said else why

    @property
    def running(self) -> bool:
        """Whether the fork server is up (else the next step starts a new one, TensorFlow's import too)."""
        process = self._process
        return process is not None and process.poll() is None

    def close(self, wait: float = 30.0) -> None:
        """Stop the fork server once the steps it runs have ended, killing it and every step after
        `wait` seconds (0: at once)."""
        with self._lock:
            process, self._process, self._closed = self._process, None, True
        if process is not None:
            try:
                assert process.stdin is not None  # started with stdin=PIPE
                process.stdin.close()
                process.wait(timeout=wait)
            except (OSError, subprocess.TimeoutExpired):
                self._end(process)
        self._starter.shutdown(wait=False)
        self._remove_folders()

    def _end(self, process: subprocess.Popen) -> None:
        """Kill the fork server and every process under it. In the sandbox the steps die with it (its
        PID namespace ends); without it, they are its descendants (it adopts orphans): killed first."""
        if not self.isolated:
            end_descendants(process.pid)
        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        # Ctrl+C (a KeyboardInterrupt, not an Exception): the steps running are not waited for.
        self.close(wait=0.0 if kind is not None and not issubclass(kind, Exception) else 30.0)


def _end_step(child: subprocess.Popen) -> None:
    """Kill a step's process and (POSIX) every process of its session, then reap it."""
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.killpg(child.pid, signal.SIGKILL)
    else:
        child.kill()
    child.wait()


def end_descendants(pid: int, rounds: int = 50) -> None:
    """SIGKILL every descendant of `pid` (Linux /proc; elsewhere nothing), again until none is left:
    a process forking as it is killed leaves children that the next round finds."""
    for _ in range(rounds):
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:
                continue  # ended meanwhile
            if fields[0] not in "ZX":  # a zombie is already dead: its parent reaps it
                children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], list(children.get(pid, []))
        while todo:
            child = todo.pop()
            found.append(child)
            todo.extend(children.get(child, []))
        if not found:
            return
        for child in found:
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGKILL)


def _remove_folders(scratch: Path, stage: Path, groups: StepGroups | None) -> None:
    for folder in (scratch, stage):
        shutil.rmtree(folder, ignore_errors=True)
    if groups is not None:
        groups.close()


@functools.lru_cache(maxsize=1)
def _probed() -> tuple[str | None, str | None]:
    """(the sandbox mode this machine allows, None) or (None, why none): each mode tried with the
    exact command it runs, a light fork server and one confined step of nothing (about a second)."""
    if why := bubblewrap.missing_reason():
        return None, why
    failures = []
    for mode in bubblewrap.candidate_modes():
        try:
            with Zygote(isolated=True, light=True, mode=mode) as trial:
                why = trial.probe()
        except (ZygoteLost, SandboxUnavailable, OSError) as exc:
            why = str(exc)
        if why is None:
            return mode, None
        failures.append(f"{mode}: {why}")
    return None, "the sandbox could not be built here (" + "; ".join(failures) + ")"


def unavailable_reason() -> str | None:
    """None when this machine can run the sandbox, else why not (in English; shown as is)."""
    return _probed()[1]


def sandbox_mode() -> str:
    """How the sandbox is built here (bubblewrap.MODES); SandboxUnavailable saying why when it cannot be."""
    mode, why = _probed()
    if mode is None:
        raise SandboxUnavailable(why)
    return mode


class Spawner:
    """Where there is no fork server (not Linux): a fresh `python -m autograder.sandbox.child.harness` per step.

    Each step pays TensorFlow's import again; the limits that the platform has still apply.
    """

    isolated = False
    running = True  # nothing to keep running between steps

    @contextmanager
    def job_folder(self) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="keras-course-step-") as folder:
            yield Path(folder)

    def __init__(self) -> None:
        self.replays = OnceEach()
        self._lock = threading.Lock()
        self._children: set[subprocess.Popen] = set()  # the steps running now: close() ends them
        self._closed = False

    def run(self, job: Job, folder: Path) -> dict[str, Any]:
        """Run one child on folder/job.filename in a process of its own; exit_code, timed_out."""
        command = [
            sys.executable,
            "-s",
            "-m",
            HARNESS,
            str(job.step),
            str(folder / job.filename),
            str(folder),
        ]
        command += [job.kind] if job.kind != "step" else []
        posix = os.name == "posix"
        started = time.monotonic()
        with open(folder / "child.log", "wb") as log, self._lock:
            if self._closed:
                raise ZygoteLost("the runner was closed")
            child = subprocess.Popen(
                command,
                cwd=folder,
                env={**contract.environment(str(folder)), "PYTHONPATH": PACKAGE_PARENT},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=posix,
                preexec_fn=(lambda: contract.limit_resources(dataclasses.asdict(job.limits)))
                if posix
                else None,
            )
            self._children.add(child)
        try:
            code, timed_out = child.wait(timeout=job.timeout), False
        except subprocess.TimeoutExpired:
            code, timed_out = None, True
        finally:
            _end_step(child)
            with self._lock:
                self._children.discard(child)
        if self._closed:  # ended by close() (Ctrl+C), not by the learner's code: not its verdict
            raise ZygoteLost("the runner was closed")
        return {"exit_code": code, "timed_out": timed_out, "seconds": time.monotonic() - started}

    def close(self, wait: float = 0.0) -> None:
        """Start no more steps; end the ones running after `wait` seconds (0: at once)."""
        deadline = time.monotonic() + wait
        with self._lock:
            self._closed, running = True, list(self._children)
        for child in running:
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _end_step(child)

    def __enter__(self) -> Spawner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
