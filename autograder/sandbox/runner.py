"""Parent side: run each step of a learner's folder in a confined child and collect plain data.

On Linux the children are forked from a pre-warmed zygote (autograder.sandbox.child.zygote) that
imported TensorFlow once and lives inside bubblewrap (autograder.sandbox.bubblewrap); each step then
gets its own namespaces, private folders, limits and wall time (autograder.sandbox.child.confine).
The parent trusts nothing the child left (autograder.sandbox.results). A child that crashes, hangs or
exits early is a failed outcome; a fork server that dies is restarted and costs only the steps it was
running (autograder.sandbox.launch).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from autograder.core.files import STEP_FILE_CAP, NotRegularFile, printable, read_regular
from autograder.core.outcome import Outcome, Status
from autograder.core.steps import STEP_BY_NUMBER, STEPS, Step, slowest_first
from autograder.sandbox import replay
from autograder.sandbox.child import contract
from autograder.sandbox.child.contract import Job, Limits
from autograder.sandbox.launch import Spawner, Zygote, ZygoteLost, unavailable_reason
from autograder.sandbox.results import last_line, learner_output, read_result, stopped_at, where_in

RETRIES = 1  # times a step the grader lost is run again (a learner who ends the fork server on purpose: once)


def start_runner(sandboxed: bool = True, steps: tuple[Step, ...] = STEPS) -> Zygote | Spawner:
    """A fork server on Linux (one TensorFlow import in all, none when `steps` need no TensorFlow), in
    the sandbox when `sandboxed` and the machine allows it; elsewhere a process per step."""
    if not sys.platform.startswith("linux"):
        return Spawner()
    light = not any(step.needs_tensorflow for step in steps)
    return Zygote(isolated=sandboxed and unavailable_reason() is None, light=light)


def read_step_file(path: Path) -> bytes | str:
    """The learner's step file, or why it cannot be read (a symlink, a FIFO, too large: never followed)."""
    try:
        return read_regular(path, STEP_FILE_CAP)
    except FileNotFoundError:
        return Status.MISSING_FILE
    except NotRegularFile as exc:
        return printable(str(exc), 200)
    except OSError as exc:
        return printable(f"{type(exc).__name__}: {exc.strerror}", 200)


# Told the epochs a running step has trained (step, epoch, epochs): a long step 4 in a terminal.
Progress = Callable[[int, int, int], None]
PROGRESS_LINE = re.compile(r"(\d{1,7}) (\d{1,7})")


@contextlib.contextmanager
def _following(job: Path, step: int, progress: Progress | None) -> Iterator[None]:
    """While the body runs, tell `progress` each new epoch count the step's keeper wrote."""
    if progress is None:
        yield
        return
    stop = threading.Event()

    def follow() -> None:
        last = None
        while not stop.wait(0.3):
            try:
                text = read_regular(job / contract.PROGRESS_FILE, 64).decode("ascii")
            except (OSError, UnicodeDecodeError):
                continue
            if (found := PROGRESS_LINE.fullmatch(text)) and found.groups() != last:
                last = found.groups()
                progress(step, int(found[1]), int(found[2]))

    thread = threading.Thread(target=follow, daemon=True, name=f"progress-{step}")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _run_child(runner: Zygote | Spawner, job: Job, progress: Progress | None = None) -> Outcome:
    """Run one child on `job` (a learner's step file, or a replay request) and read its export."""
    started = time.perf_counter()
    with runner.job_folder() as folder, _following(folder, job.step, progress):
        outcome = _child_outcome(runner, folder, job)
        outcome.seconds = time.perf_counter() - started
        if job.kind == "step":
            outcome.output, outcome.output_clipped = learner_output(folder)
        return outcome


def _child_outcome(runner: Zygote | Spawner, folder: Path, job: Job) -> Outcome:
    # The child reads a copy: nothing beside the learner's file (a keras.py, say) is in its reach.
    (folder / job.filename).write_bytes(job.content)
    (folder / job.filename).chmod(0o644)
    try:
        report = runner.run(job, folder)
    except ZygoteLost as exc:
        return lost(job.step, str(exc))
    if "keeper" in report:  # the process that watches the step died: nothing of the learner's did that
        return lost(job.step, f"the step's keeper ended ({report['keeper']})")
    if report.get("timed_out"):
        return Outcome(
            job.step,
            Status.TIMEOUT,
            error={"seconds": job.timeout, **stopped_at(folder, job.filename, job.content)},
        )
    outcome = read_result(folder, job.step)
    if outcome is None and report.get("out_of_memory"):
        held_by = "cgroup" if report.get("group") else "keeper"  # who enforced the cap: for the tests
        error: dict[str, Any] = {
            "bytes": job.limits.memory_bytes,
            "held_by": held_by,
            **stopped_at(folder, job.filename, job.content),
        }
        return Outcome(job.step, Status.OUT_OF_MEMORY, error=error)
    if outcome is not None and job.kind == "step":
        _locate_memory_errors(outcome, job.content)
    if outcome is None:
        code = report.get("exit_code")
        error = {"exit_code": code, "message": last_line(folder)}
        if isinstance(code, int) and code < 0 and -code in signal.valid_signals():
            error["signal"] = signal.Signals(-code).name
        return Outcome(job.step, Status.CRASHED, error=error)
    return outcome


def _locate_memory_errors(outcome: Outcome, source: bytes) -> None:
    """A MemoryError the learner's code raised: add the loop around its line (a loop that never ends)."""
    errors = [outcome.error, *(call.get("error") for call in outcome.calls.values())]
    for error in errors:
        if error and error.get("type") == "MemoryError" and isinstance(error.get("line"), int):
            error.update({k: v for k, v in where_in(source, error["line"]).items() if k.startswith("loop")})


def lost(step: int, why: str) -> Outcome:
    """A step the grader lost (its fork server or keeper ended): not the learner's doing, so it is
    run again, and a grade that holds one is never kept as final (autograder.grading.grade)."""
    return Outcome(step, Status.CRASHED, error={"message": why}, lost=True)


def _trusted(outcome: Outcome, runner: Zygote | Spawner, limits: Limits) -> None:
    """Steps 2-4: what the checks read is recomputed in a child that runs no learner code: the model
    rebuilt from its config, the compile config applied to the reference model, the training
    replayed (autograder.sandbox.replay). Equal requests are run once per grading run."""
    kind = STEP_BY_NUMBER[outcome.step].recompute
    assert kind is not None  # called only for a step that recomputes (run_step)
    wanted = replay.request(outcome)
    if isinstance(wanted, str):
        replay.apply(outcome, None, wanted)
        return
    content = json.dumps(wanted).encode()

    def run_trusted() -> Outcome:
        return _run_child(runner, Job(outcome.step, f"{kind}.json", content, limits, kind))

    key = replay.key(wanted)
    for _ in range(1 + RETRIES):
        trusted = runner.replays.get(key, run_trusted)
        if trusted.status != Status.OK:  # shared only when it worked: a lost fork server must not stick
            runner.replays.forget(key)
        if not trusted.lost:
            break
    outcome.lost = trusted.lost
    reason = None if trusted.status == Status.OK else f"the grader's own run failed ({trusted.status})"
    replay.apply(outcome, trusted if reason is None else None, reason)


def run_step(
    step: Step,
    folder: Path,
    limits: Limits = Limits(),
    zygote: Zygote | Spawner | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Run `step` of the learner's files in `folder` in a confined child and read what it exported;
    `progress` is told each epoch count Keras prints meanwhile."""
    source = read_step_file(Path(folder) / step.filename)
    if source == Status.MISSING_FILE:
        return Outcome(step.number, Status.MISSING_FILE, error={"file": step.filename})
    if isinstance(source, str):
        return Outcome(step.number, Status.CRASHED, error={"message": source})
    if zygote is None:
        with start_runner(steps=(step,)) as own:
            return run_step(step, folder, limits, own, progress)
    job = Job.of(step.number, step.filename, source, limits, step.time_limit)
    for _ in range(1 + RETRIES):
        outcome = _run_child(zygote, job, progress)
        if not outcome.lost:
            break
    if step.recompute and outcome.call_status(step.functions[0]) == Status.OK:
        _trusted(outcome, zygote, job.limits)
    return outcome


def run_steps(
    folder: Path,
    steps: tuple[Step, ...] = STEPS,
    jobs: int | None = None,
    limits: Limits = Limits(),
    zygote: Zygote | Spawner | None = None,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Run several steps of one folder in parallel, each in its own child, slowest first."""
    if zygote is None:
        with start_runner(steps=steps) as own:
            return run_steps(folder, steps, jobs, limits, own, progress)
    order = slowest_first(steps)
    pool = ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1)
    try:
        ran = pool.map(lambda s: run_step(s, folder, limits, zygote, progress), order)
        outcomes = {o.step: o for o in ran}
    except BaseException:
        # Ctrl+C: wait for no step. The fork server's owner closes it on the way out, which ends the
        # steps still running (autograder.sandbox.launch.Zygote.__exit__), and their threads with them.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return [outcomes[step.number] for step in steps]
