"""Parent side: run each step of a learner's folder in its own child process and collect plain data.

Children are forked from a pre-warmed zygote (autograder.zygote) that imported TensorFlow once; each
gets its own session, a fresh temporary working directory, a scrubbed environment, resource limits
(autograder.sandbox) and a time limit. The parent trusts nothing but the files the child writes
there, and reads them without pickle; a child that crashes, hangs or exits early is a failed outcome.
"""

from __future__ import annotations

import dataclasses
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no fork server and no uid switching there
    fcntl = None  # type: ignore[assignment]

from autograder import sandbox
from autograder.steps import STEPS, Step

PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class Limits:
    """What one child may use. `timeout` None means each step's own time limit."""

    timeout: float | None = None
    memory_bytes: int = 4 << 30  # address space on top of what the pre-warmed zygote has mapped
    file_bytes: int = 64 << 20
    open_files: int = 256
    processes: int = 64  # tasks (threads included) of the child's user id; a step uses about 8


class ChildUids:
    """As root, each concurrent child runs under its own otherwise unused user id: the process limit
    then binds per child, a fork bomb cannot starve its neighbours, and a sweep kills whatever it
    leaves. A uid is claimed with a lock file, so two graders on one machine never share one (the
    sweep would kill the other's child); the kernel drops the lock when its holder dies."""

    FIRST, COUNT = 61000, 4000
    LOCKS = Path(tempfile.gettempdir()) / "keras-course-uids"

    def __init__(self) -> None:
        self._free: queue.Queue = queue.Queue()
        self._held: list[int] = []  # lock file descriptors
        self._lock = threading.Lock()
        self._next = self.FIRST + os.getpid() % self.COUNT  # spread the search between graders

    def _claim(self) -> int:
        self.LOCKS.mkdir(mode=0o700, exist_ok=True)
        for _ in range(self.COUNT):
            uid, self._next = self._next, self.FIRST + (self._next + 1 - self.FIRST) % self.COUNT
            handle = os.open(self.LOCKS / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(handle)
                continue
            self._held.append(handle)
            return uid
        raise RuntimeError("no free user id for a child process")

    def get(self) -> int:
        with self._lock:
            if self._free.empty():
                return self._claim()
        return self._free.get()

    def put(self, uid: int) -> None:
        """Reuse `uid` only once nothing runs under it any more: leftover tasks (a fork bomb's, not
        yet gone after the sweep) would count against the next child's process limit."""
        if sandbox.tasks_of(uid) == 0:
            self._free.put(uid)

    def close(self) -> None:
        for handle in self._held:
            os.close(handle)


@dataclass
class Outcome:
    """What running one step of a learner's file produced (plain data only)."""

    step: int
    # ok | not_done | syntax_error | import_error | unreadable | missing_file | timeout | crashed
    status: str
    error: dict[str, Any] | None = None
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0

    def call_status(self, function: str) -> str:
        """'ok' when `function` ran and returned; otherwise why not."""
        if self.status not in ("ok", "not_done"):
            return self.status
        return self.calls.get(function, {}).get("status", "not_reached")


def outcome_from_export(step: int, export: Any, seconds: float = 0.0) -> Outcome:
    """The Outcome of an in-process export (harness.run_namespace), shaped as if read from a child."""
    plain = json.loads(
        json.dumps({"error": export.error, "calls": export.calls, "data": export.data}, default=str)
    )
    return Outcome(
        step, export.status, plain["error"], plain["calls"], plain["data"], dict(export.arrays), seconds
    )


def _read_result(workdir: Path, step: int) -> Outcome | None:
    try:
        result = json.loads((workdir / "result.json").read_text(encoding="utf-8"))
        with np.load(workdir / "arrays.npz", allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError):
        return None
    if not isinstance(result, dict) or not isinstance(result.get("status"), str):
        return None
    return Outcome(
        step=step,
        status=result["status"],
        error=result.get("error") if isinstance(result.get("error"), dict) else None,
        calls=result.get("calls") if isinstance(result.get("calls"), dict) else {},
        data=result.get("data") if isinstance(result.get("data"), dict) else {},
        arrays=arrays,
    )


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue


class ZygoteLost(RuntimeError):
    """The zygote process ended: no child can be started or reaped any more."""


class Zygote:
    """Client of an autograder.zygote process: one TensorFlow import, then one fork per step."""

    START_TIMEOUT = 180.0

    def __init__(self) -> None:
        self._home = tempfile.TemporaryDirectory(prefix="keras-course-zygote-")
        self._process = subprocess.Popen(
            [sys.executable, "-s", "-m", "autograder.zygote"],
            cwd=self._home.name,
            env={**sandbox.environment(self._home.name), "PYTHONPATH": PACKAGE_PARENT},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._write_lock = threading.Lock()
        self._ids = itertools.count()
        self._replies: dict[int, queue.Queue] = {}
        self._ready: queue.Queue = queue.Queue()
        self._uids = ChildUids()
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.get(timeout=self.START_TIMEOUT):
            raise ZygoteLost("the zygote process did not start")

    def _read(self) -> None:
        for line in self._process.stdout:
            message = json.loads(line)
            if "ready" in message:
                self._ready.put(True)
            else:
                self._replies[message["id"]].put(message)
        for replies in list(self._replies.values()):  # the zygote is gone: nobody will answer
            replies.put({"lost": True})
        self._ready.put(False)

    def _reply(self, replies: queue.Queue, timeout: float) -> dict[str, Any]:
        message = replies.get(timeout=timeout)
        if "lost" in message:
            raise ZygoteLost("the zygote process ended")
        return message

    def run(self, step: int, learner_file: Path, workdir: Path, limits: Limits, timeout: float) -> int | None:
        """Run one step in a forked child: its exit code (-N: killed by signal N), None on timeout."""
        uid = self._uids.get() if os.geteuid() == 0 else None
        try:
            return self._run(step, learner_file, workdir, limits, timeout, uid)
        finally:
            if uid is not None:
                self._uids.put(uid)

    def _run(
        self, step: int, learner_file: Path, workdir: Path, limits: Limits, timeout: float, uid: int | None
    ) -> int | None:
        if uid is not None:
            os.chown(workdir, uid, uid)
        request_id = next(self._ids)
        replies: queue.Queue = queue.Queue()
        self._replies[request_id] = replies
        request = {
            "id": request_id,
            "step": step,
            "file": str(learner_file),
            "workdir": str(workdir),
            "uid": uid,
        }
        request["limits"] = dataclasses.asdict(limits)
        with self._write_lock:
            self._process.stdin.write((json.dumps(request) + "\n").encode())
            self._process.stdin.flush()
        pid = self._reply(replies, self.START_TIMEOUT)["pid"]
        try:
            status = self._reply(replies, timeout)["status"]
        except queue.Empty:
            status = None
        _kill_group(pid)  # also whatever the learner's code left running in its group
        if status is None:
            self._reply(replies, self.START_TIMEOUT)  # reaped by the zygote
        del self._replies[request_id]
        return None if status is None else os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        try:
            self._process.stdin.close()
            self._process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
        self._uids.close()
        self._home.cleanup()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Spawner:
    """Where there is no fork server (not Linux): a fresh `python -m autograder.harness` per step.

    Each step pays TensorFlow's import again; the limits that the platform has still apply.
    """

    def run(self, step: int, learner_file: Path, workdir: Path, limits: Limits, timeout: float) -> int | None:
        command = [
            sys.executable,
            "-s",
            "-m",
            "autograder.harness",
            str(step),
            str(learner_file),
            str(workdir),
        ]
        posix = os.name == "posix"
        with open(workdir / "child.log", "wb") as log:
            child = subprocess.Popen(
                command,
                cwd=workdir,
                env={**sandbox.environment(str(workdir)), "PYTHONPATH": PACKAGE_PARENT},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=posix,
                preexec_fn=(lambda: sandbox.limit_resources(dataclasses.asdict(limits), False))
                if posix
                else None,
            )
            try:
                return child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return None
            finally:
                _kill_group(child.pid) if posix else child.kill()
                child.wait()

    def close(self) -> None:
        pass

    def __enter__(self) -> Spawner:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def start_runner() -> Zygote | Spawner:
    """A fork server on Linux (one TensorFlow import in all); elsewhere a process per step."""
    return Zygote() if sys.platform.startswith("linux") else Spawner()


def run_step(
    step: Step, folder: Path, limits: Limits = Limits(), zygote: Zygote | Spawner | None = None
) -> Outcome:
    """Run `step` of the learner's files in `folder` in a child process and read what it exported."""
    learner_file = Path(folder) / step.filename
    if not learner_file.is_file():
        return Outcome(step.number, "missing_file", error={"file": str(learner_file)})
    if zygote is None:
        with start_runner() as own:
            return run_step(step, folder, limits, own)
    timeout = limits.timeout or step.time_limit
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"keras-course-step{step.number}-") as tmp:
        workdir = Path(tmp)
        # The child reads a copy: nothing beside the learner's file (a keras.py, say) is in its reach.
        copy = workdir / step.filename
        shutil.copyfile(learner_file, copy)
        copy.chmod(0o644)
        code = zygote.run(step.number, copy, workdir, limits, timeout)
        seconds = time.perf_counter() - started
        if code is None:
            return Outcome(step.number, "timeout", error={"seconds": timeout}, seconds=seconds)
        outcome = _read_result(workdir, step.number)
        if outcome is None:
            error: dict[str, Any] = {"exit_code": code, "message": _last_line(workdir / "child.log")}
            if code < 0:
                error["signal"] = signal.Signals(-code).name
            return Outcome(step.number, "crashed", error=error, seconds=seconds)
        outcome.seconds = seconds
        return outcome


def run_steps(
    folder: Path,
    steps: tuple[Step, ...] = STEPS,
    jobs: int | None = None,
    limits: Limits = Limits(),
    zygote: Zygote | Spawner | None = None,
) -> list[Outcome]:
    """Run several steps of one folder in parallel, each in its own child; slowest (step 4) first."""
    if zygote is None:
        with start_runner() as own:
            return run_steps(folder, steps, jobs, limits, own)
    order = sorted(steps, key=lambda s: -s.time_limit)
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        outcomes = {o.step: o for o in pool.map(lambda s: run_step(s, folder, limits, zygote), order)}
    return [outcomes[step.number] for step in steps]
