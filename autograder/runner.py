"""Parent side: run each step of a learner's folder in its own child process and collect plain data.

The child (autograder.harness) gets a scrubbed environment, a fresh temporary working directory,
resource limits and a time limit. The parent trusts nothing but the files the child writes there,
and reads them without pickle; a child that crashes, hangs or exits early yields a failed outcome.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.steps import STEPS, Step

PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class Limits:
    """What one child may use. `timeout` None means each step's own time limit."""

    timeout: float | None = None
    memory_bytes: int = 4 << 30  # address space; TensorFlow maps about 1.5 GB at import
    file_bytes: int = 64 << 20
    open_files: int = 256


@dataclass
class Outcome:
    """What running one step of a learner's file produced (plain data only)."""

    step: int
    status: str  # ok | not_done | syntax_error | import_error | unreadable | missing_file | timeout | crashed
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


def child_environment(workdir: Path) -> dict[str, str]:
    """Only what Python and TensorFlow need; nothing of the caller's secrets or paths."""
    return {
        "PATH": os.defpath,
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "KERAS_HOME": str(workdir / ".keras"),
        "MPLCONFIGDIR": str(workdir / ".mpl"),
        "MPLBACKEND": "Agg",
        "LANG": "C.UTF-8",
        "PYTHONPATH": PACKAGE_PARENT,
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "CUDA_VISIBLE_DEVICES": "",
        "KERAS_BACKEND": "tensorflow",
    }


def _apply_limits(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


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


def _stderr_tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def run_step(step: Step, folder: Path, limits: Limits = Limits()) -> Outcome:
    """Run `step` of the learner's files in `folder` in a child process and read what it exported."""
    learner_file = Path(folder) / step.filename
    if not learner_file.is_file():
        return Outcome(step.number, "missing_file", error={"file": str(learner_file)})
    timeout = limits.timeout or step.time_limit
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"keras-course-step{step.number}-") as tmp:
        workdir = Path(tmp)
        log = workdir / "child.log"
        command = [sys.executable, "-s", "-m", "autograder.harness", str(step.number)]
        command += [str(learner_file.resolve()), str(workdir)]
        with open(log, "wb") as output:
            child = subprocess.Popen(
                command,
                cwd=workdir,
                env=child_environment(workdir),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,  # its own process group, killed as a whole
                preexec_fn=lambda: _apply_limits(limits),
            )
            try:
                child.wait(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.wait()
        seconds = time.perf_counter() - started
        if timed_out:
            return Outcome(step.number, "timeout", error={"seconds": timeout}, seconds=seconds)
        outcome = _read_result(workdir, step.number)
        if outcome is None:
            error = {"exit_code": child.returncode, "message": _stderr_tail(log)}
            if child.returncode and child.returncode < 0:
                error["signal"] = signal.Signals(-child.returncode).name
            return Outcome(step.number, "crashed", error=error, seconds=seconds)
        outcome.seconds = seconds
        return outcome


def run_steps(
    folder: Path, steps: tuple[Step, ...] = STEPS, jobs: int | None = None, limits: Limits = Limits()
) -> list[Outcome]:
    """Run several steps in parallel, each in its own child; slowest (step 4) first."""
    jobs = jobs or os.cpu_count() or 1
    order = sorted(steps, key=lambda s: -s.time_limit)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = {o.step: o for o in pool.map(lambda s: run_step(s, folder, limits), order)}
    return [outcomes[step.number] for step in steps]
