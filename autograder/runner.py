"""Parent side: run each step of a learner's folder in a confined child and collect plain data.

On Linux the children are forked from a pre-warmed zygote (autograder.zygote) that imported
TensorFlow once and lives inside bubblewrap (autograder.bubblewrap); each step then gets its own
namespaces, private folders, limits and wall time (autograder.sandbox). The parent trusts nothing the
child left: it reads only regular files, without following symlinks, with size caps, checks their
shape and makes every string printable. A child that crashes, hangs or exits early is a failed
outcome; a fork server that dies is restarted and costs only the steps it was running.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import math
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder import bubblewrap, replay, sandbox
from autograder.files import NotRegularFile, printable, read_regular
from autograder.steps import STEPS, Step

PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)
SOURCE_CAP = 1 << 20  # bytes of one step file
STATUSES = ("ok", "not_done", "syntax_error", "import_error", "unreadable")
CALL_STATUSES = ("ok", "not_done", "error", "missing_function", "timeout")


@dataclass(frozen=True)
class Limits:
    """What one step may use. `timeout` None means each step's own time limit."""

    timeout: float | None = None
    memory_bytes: int = 4 << 30  # address space on top of what the pre-warmed zygote has mapped
    cpu_seconds: int = 600
    file_bytes: int = 64 << 20  # one file
    work_bytes: int = 128 << 20  # the step's work folder in all
    tmp_bytes: int = 128 << 20  # each private temp folder (/tmp, /var/tmp, /dev/shm) in all
    open_files: int = 256
    processes: int = 64  # tasks (threads included) in the step's own user namespace; a step uses ~8


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
    output: str = ""  # what the learner's code printed (the tail), safe for a terminal

    def call_status(self, function: str) -> str:
        """'ok' when `function` ran and returned; otherwise why not."""
        if self.status not in ("ok", "not_done"):
            return self.status
        return self.calls.get(function, {}).get("status", "not_reached")


def outcome_from_export(step: int, export: Any, seconds: float = 0.0) -> Outcome:
    """The Outcome of an in-process export (harness.run_namespace), shaped as if read from a child."""
    result = {"status": export.status, "error": export.error, "calls": export.calls, "data": export.data}
    outcome = outcome_from_result(step, json.loads(json.dumps(result, default=str)), dict(export.arrays))
    outcome.seconds = seconds
    return outcome


# --- reading what a child left -------------------------------------------------------------------


# Keras configs: data for the grader's rebuild and replay (autograder.replay), never shown to anyone.
CONFIG_KEYS = ("model_json", "compile_config", "config")
CONFIG_CAP = 256 << 10


def plain(value: Any, depth: int = 0) -> Any:
    """JSON data cut down to bounded, printable plain values (the child may have written anything)."""
    if depth > 8:
        return None
    if isinstance(value, dict):
        items = list(value.items())[:200]
        return {
            printable(k, 100): v
            if k in CONFIG_KEYS and isinstance(v, str) and len(v) <= CONFIG_CAP
            else plain(v, depth + 1)
            for k, v in items
        }
    if isinstance(value, list):
        return [plain(v, depth + 1) for v in value[:10_000]]
    if isinstance(value, str):
        return printable(value, 500)
    if isinstance(value, (bool, int)) and not (isinstance(value, int) and abs(value) > 1 << 62):
        return value
    if isinstance(value, float):
        return value if not math.isnan(value) else float("nan")
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def outcome_from_result(step: int, result: Any, arrays: dict[str, np.ndarray]) -> Outcome:
    """An Outcome from a parsed result.json, whatever its shape: unknown parts are dropped."""
    result = plain(result) if isinstance(result, dict) else {}
    status = result.get("status")
    if status not in STATUSES:
        return Outcome(step, "crashed", {"message": "result.json has no valid status"})
    calls = {}
    for name, call in _dict(result.get("calls")).items():
        call = _dict(call)
        if call.get("status") in CALL_STATUSES:
            calls[name] = {**call, "error": _dict(call.get("error")) or None}
    error = _dict(result.get("error")) or None
    return Outcome(step, status, error, calls, _dict(result.get("data")), arrays)


ARRAYS_CAP = 64 << 20  # bytes of all arrays together, uncompressed


def read_arrays(data: bytes) -> dict[str, np.ndarray]:
    """Numeric arrays from an .npz the child wrote: no pickles, no zip bomb, no odd dtypes."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if sum(member.file_size for member in archive.infolist()) > ARRAYS_CAP:
            raise ValueError("arrays too large")
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {printable(name, 50): archive[name] for name in archive.files[:64]}
    return {name: a.astype(np.float64) for name, a in arrays.items() if a.dtype.kind in "biuf"}


def read_result(folder: Path, step: int) -> Outcome | None:
    """What the step's child exported into `folder`, or None when there is nothing valid."""
    try:
        result = json.loads(read_regular(folder / "result.json", sandbox.RESULT_FILES["result.json"]))
        arrays = read_arrays(read_regular(folder / "arrays.npz", sandbox.RESULT_FILES["arrays.npz"]))
    except (OSError, ValueError, RecursionError, MemoryError, zipfile.BadZipFile, EOFError):
        return None
    outcome = outcome_from_result(step, result, arrays)
    return None if outcome.status == "crashed" else outcome


def _last_line(folder: Path) -> str:
    try:
        text = read_regular(folder / "child.log", sandbox.LOG_TAIL).decode("utf-8", "replace")
    except OSError:
        return ""
    lines = text.strip().splitlines()
    return printable(lines[-1], 300) if lines else ""


ESCAPE_SEQUENCE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
OUTPUT_LINE_CAP = 300  # characters of one printed line
OUTPUT_LINES_CAP = 400


def learner_output(folder: Path) -> str:
    """What the step's code printed (the tail of child.log) as a terminal would show it: escape
    sequences dropped, a line rewritten after a carriage return (a progress bar) shown as its last
    state, other control characters made visible, lines and their number capped."""
    try:
        text = read_regular(folder / "child.log", sandbox.LOG_TAIL).decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [_as_shown(ESCAPE_SEQUENCE.sub("", line)) for line in text.split("\n")]
    shown = [printable(line.rstrip(), OUTPUT_LINE_CAP) for line in lines if line.strip()]
    return "\n".join(shown[-OUTPUT_LINES_CAP:])


def _as_shown(line: str) -> str:
    """A line as a terminal leaves it: a carriage return goes back to its start and a backspace one
    cell back (how progress bars redraw), later characters overwrite earlier ones."""
    cells: list[str] = []
    cursor = 0
    for char in line:
        if char == "\r":
            cursor = 0
        elif char == "\b":
            cursor = max(cursor - 1, 0)
        else:
            cells[cursor : cursor + 1] = [char]
            cursor += 1
    return "".join(cells)


def _step_status(folder: Path) -> dict[str, Any]:
    try:
        status = json.loads(read_regular(folder / "status.json", 4096))
    except (OSError, ValueError):
        return {}
    return status if isinstance(status, dict) else {}


# --- the fork server -----------------------------------------------------------------------------


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
    """Client of an autograder.zygote process: one TensorFlow import, then one fork per step.

    `isolated`: inside bubblewrap, each step in its own namespaces (the grader's sandbox). Without
    it (a learner's `check` where the machine has no sandbox) the steps still get their limits."""

    START_TIMEOUT = 180.0
    GRACE = 60.0  # seconds past a step's own time limit before the zygote itself is presumed stuck

    def __init__(self, isolated: bool = True, light: bool = False) -> None:
        self.isolated, self.light = isolated, light
        self.tensorflow: bool | None = None  # whether the fork server imported TensorFlow (it says)
        self._root = os.geteuid() == 0
        self._uid = bubblewrap.child_uid() if self._root and isolated else None
        self._rebind = bubblewrap.hidden_by_private_temp() if isolated else {}
        self._scratch = Path(tempfile.mkdtemp(prefix="keras-course-jobs-"))
        self._scratch.chmod(0o711)  # the child uid passes through to its own job folder, lists none
        self._stage = bubblewrap.stage_package(Path(tempfile.mkdtemp(prefix="keras-course-stage-")))
        # Removed by close(), or at exit when a fork server was still starting (in a background thread).
        self._remove_folders = weakref.finalize(self, _remove_folders, self._scratch, self._stage)
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
        except ZygoteLost:
            self._starter.shutdown(wait=False)
            raise

    def _start(self) -> None:
        env = sandbox.environment("/" if self.isolated else str(self._scratch))
        if self.light:
            env["KERAS_COURSE_LIGHT"] = "1"
        if self.isolated:
            env["PYTHONPATH"] = bubblewrap.python_path()
            argv = bubblewrap.command(sys.executable, self._stage, self._scratch, self._root)
        else:
            env["PYTHONPATH"] = str(self._stage)
            argv = [sys.executable, "-s", "-m", "autograder.zygote"]
        process = self._starter.submit(
            subprocess.Popen,
            argv,
            cwd=self._scratch,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ).result()
        ready: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(process, ready), daemon=True).start()
        try:
            started = ready.get(timeout=self.START_TIMEOUT)
        except queue.Empty:
            started = False
        if not started:
            process.kill()
            raise ZygoteLost("the fork server did not start")
        self._process = process

    def _read(self, process: subprocess.Popen, ready: queue.Queue) -> None:
        for line in process.stdout:
            message = json.loads(line)
            if "ready" in message:
                self.tensorflow = message.get("tensorflow")
                ready.put(True)
            elif message["id"] in self._replies:
                self._replies[message["id"]].put(message)
        ready.put(False)
        with self._lock:
            if self._process is process:
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
    def job(self) -> Iterator[Path]:
        """A fresh job folder for one step, removed afterwards."""
        folder = self._scratch / str(next(self._jobs))
        folder.mkdir(mode=0o700)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def run(
        self, step: int, job: Path, filename: str, limits: Limits, timeout: float, kind: str = "step"
    ) -> dict[str, Any]:
        """Run one child on job/filename; the keeper's report (exit_code, timed_out)."""
        if self._uid is not None:
            os.chown(job, self._uid, self._uid)
        request = {
            "id": int(job.name),
            "step": step,
            "kind": kind,
            "job": job.name,
            "jobs": "/jobs" if self.isolated else str(self._scratch),
            "filename": filename,
            "timeout": timeout,
            "uid": self._uid,
            "rebind": self._rebind,
            "limits": dataclasses.asdict(limits) | {"isolated": self.isolated},
        }
        replies: queue.Queue = queue.Queue()
        self._send(request, replies)
        process = self._process
        try:
            self._reply(replies, self.START_TIMEOUT)  # started
            status = self._reply(replies, timeout + self.GRACE)["status"]
        except queue.Empty:
            self._restart(process)
            raise ZygoteLost("the fork server stopped answering") from None
        finally:
            self._replies.pop(request["id"], None)
        if os.waitstatus_to_exitcode(status) != 0:
            return {"exit_code": None, "keeper": os.waitstatus_to_exitcode(status)}
        return _step_status(job)

    @property
    def running(self) -> bool:
        """Whether the fork server is up (else the next step starts a new one, TensorFlow's import too)."""
        process = self._process
        return process is not None and process.poll() is None

    def close(self, wait: float = 30.0) -> None:
        """Stop the fork server once the steps it runs have ended, killing it after `wait` seconds
        (in the sandbox that ends every step at once)."""
        with self._lock:
            process, self._process, self._closed = self._process, None, True
        if process is not None:
            try:
                process.stdin.close()
                process.wait(timeout=wait)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
        self._starter.shutdown(wait=False)
        self._remove_folders()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _remove_folders(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


class Spawner:
    """Where there is no fork server (not Linux): a fresh `python -m autograder.harness` per step.

    Each step pays TensorFlow's import again; the limits that the platform has still apply.
    """

    isolated = False
    running = True  # nothing to keep running between steps

    @contextmanager
    def job(self) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="keras-course-step-") as folder:
            yield Path(folder)

    def __init__(self) -> None:
        self.replays = OnceEach()

    def run(
        self, step: int, job: Path, filename: str, limits: Limits, timeout: float, kind: str = "step"
    ) -> dict[str, Any]:
        command = [sys.executable, "-s", "-m", "autograder.harness", str(step), str(job / filename), str(job)]
        command += [kind] if kind != "step" else []
        posix = os.name == "posix"
        started = time.monotonic()
        with open(job / "child.log", "wb") as log:
            child = subprocess.Popen(
                command,
                cwd=job,
                env={**sandbox.environment(str(job)), "PYTHONPATH": PACKAGE_PARENT},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=posix,
                preexec_fn=(lambda: sandbox.limit_resources(dataclasses.asdict(limits))) if posix else None,
            )
            try:
                code, timed_out = child.wait(timeout=timeout), False
            except subprocess.TimeoutExpired:
                code, timed_out = None, True
            finally:
                if posix:
                    try:
                        os.killpg(child.pid, signal.SIGKILL)
                    except OSError:
                        pass
                else:
                    child.kill()
                child.wait()
        return {"exit_code": code, "timed_out": timed_out, "seconds": time.monotonic() - started}

    def close(self, wait: float = 0.0) -> None:
        pass

    def __enter__(self) -> Spawner:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def start_runner(sandboxed: bool = True, steps: tuple[Step, ...] = STEPS) -> Zygote | Spawner:
    """A fork server on Linux (one TensorFlow import in all, none when `steps` need no TensorFlow), in
    the sandbox when `sandboxed` and the machine allows it; elsewhere a process per step."""
    if not sys.platform.startswith("linux"):
        return Spawner()
    light = not any(step.needs_tensorflow for step in steps)
    return Zygote(isolated=sandboxed and bubblewrap.unavailable_reason() is None, light=light)


def read_step_file(path: Path) -> bytes | str:
    """The learner's step file, or why it cannot be read (a symlink, a FIFO, too large: never followed)."""
    try:
        return read_regular(path, SOURCE_CAP)
    except FileNotFoundError:
        return "missing_file"
    except NotRegularFile as exc:
        return printable(str(exc), 200)
    except OSError as exc:
        return printable(f"{type(exc).__name__}: {exc.strerror}", 200)


def _run_child(
    runner: Zygote | Spawner,
    step: int,
    filename: str,
    content: bytes,
    limits: Limits,
    timeout: float,
    kind: str,
) -> Outcome:
    """Run one child on `content` (a learner's step file, or a replay request) and read its export."""
    started = time.perf_counter()
    with runner.job() as job:
        outcome = _child_outcome(runner, job, step, filename, content, limits, timeout, kind)
        outcome.seconds = time.perf_counter() - started
        if kind == "step":
            outcome.output = learner_output(job)
        return outcome


def _child_outcome(
    runner: Zygote | Spawner,
    job: Path,
    step: int,
    filename: str,
    content: bytes,
    limits: Limits,
    timeout: float,
    kind: str,
) -> Outcome:
    # The child reads a copy: nothing beside the learner's file (a keras.py, say) is in its reach.
    (job / filename).write_bytes(content)
    (job / filename).chmod(0o644)
    try:
        report = runner.run(step, job, filename, limits, timeout, kind)
    except ZygoteLost as exc:
        return Outcome(step, "crashed", error={"message": str(exc)})
    if report.get("timed_out"):
        return Outcome(step, "timeout", error={"seconds": timeout})
    outcome = read_result(job, step)
    if outcome is None:
        code = report.get("exit_code")
        error: dict[str, Any] = {"exit_code": code, "message": _last_line(job)}
        if isinstance(code, int) and code < 0 and -code in signal.valid_signals():
            error["signal"] = signal.Signals(-code).name
        return Outcome(step, "crashed", error=error)
    return outcome


def _trusted(outcome: Outcome, runner: Zygote | Spawner, limits: Limits, timeout: float) -> None:
    """Steps 2-4: what the checks read is recomputed in a child that runs no learner code: the model
    rebuilt from its config, the compile config applied to the reference model, the training
    replayed (autograder.replay). Equal requests are run once per grading run."""
    kind = "replay" if outcome.step == 4 else "rebuild"
    wanted = replay.request(outcome)
    if isinstance(wanted, str):
        replay.apply(outcome, None, wanted)
        return
    content = json.dumps(wanted).encode()

    def run_trusted() -> Outcome:
        return _run_child(runner, outcome.step, f"{kind}.json", content, limits, timeout, kind)

    key = replay.key(wanted)
    trusted = runner.replays.get(key, run_trusted)
    if trusted.status != "ok":  # shared only when it worked: a lost fork server must not stick
        runner.replays.forget(key)
    reason = None if trusted.status == "ok" else f"the grader's own run failed ({trusted.status})"
    replay.apply(outcome, trusted if reason is None else None, reason)


def run_step(
    step: Step, folder: Path, limits: Limits = Limits(), zygote: Zygote | Spawner | None = None
) -> Outcome:
    """Run `step` of the learner's files in `folder` in a confined child and read what it exported."""
    source = read_step_file(Path(folder) / step.filename)
    if source == "missing_file":
        return Outcome(step.number, "missing_file", error={"file": step.filename})
    if isinstance(source, str):
        return Outcome(step.number, "crashed", error={"message": source})
    if zygote is None:
        with start_runner(steps=(step,)) as own:
            return run_step(step, folder, limits, own)
    timeout = limits.timeout or step.time_limit
    outcome = _run_child(zygote, step.number, step.filename, source, limits, timeout, "step")
    if step.number in replay.STEPS and outcome.call_status(step.functions[0]) == "ok":
        _trusted(outcome, zygote, limits, timeout)
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
        with start_runner(steps=steps) as own:
            return run_steps(folder, steps, jobs, limits, own)
    order = sorted(steps, key=lambda s: -s.time_limit)
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        outcomes = {o.step: o for o in pool.map(lambda s: run_step(s, folder, limits, zygote), order)}
    return [outcomes[step.number] for step in steps]
