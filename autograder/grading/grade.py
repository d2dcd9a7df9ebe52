"""`keras-course grade`: a whole class graded in sandboxed children, with grades written as it goes.

Every step of every submission runs in its own child forked from one pre-warmed zygote, several at a
time; each verdict is computed here from the plain data the children export. A student's grades are
written (atomically) as soon as their five steps are judged, so an interrupted run keeps them, and a
rerun skips submissions whose content and grader are unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.checks.registry import all_checks
from autograder.checks.report import StepReport, assess, cell_failure, for_notebook
from autograder.core import spec
from autograder.core.files import atomic_write, csv_cell, json_text, printable, shown
from autograder.core.outcome import Outcome, Status
from autograder.core.steps import STEPS, Step, slowest_first
from autograder.core.submissions import InvalidSubmission, Snapshot, Submission, discover
from autograder.grading import class_report, versions
from autograder.sandbox.bubblewrap import SandboxUnavailable
from autograder.sandbox.child.contract import Limits
from autograder.sandbox.launch import Spawner, Zygote, ZygoteLost, unavailable_reason
from autograder.sandbox.runner import run_step, start_runner

# Statuses meaning the grader could not run a step (as opposed to the learner's code being wrong).
NOT_RUN = {Status.MISSING_FILE, Status.TIMEOUT, Status.OUT_OF_MEMORY, Status.CRASHED}
REASONS = {
    Status.MISSING_FILE: {"ko": "파일 없음", "en": "file missing"},
    Status.TIMEOUT: {"ko": "시간 초과", "en": "timed out"},
    Status.OUT_OF_MEMORY: {"ko": "메모리 한도 초과", "en": "over the memory limit"},
    "lost": {
        "ko": "채점기가 이 단계를 잃었습니다 (학생 탓이 아님): 다시 실행하면 채점합니다",
        "en": "the grader lost this step (not the learner's doing): a rerun grades it",
    },
    Status.CRASHED: {"ko": "결과 없이 종료", "en": "ended without a result"},
    Status.SYNTAX_ERROR: {"ko": "문법 오류", "en": "syntax error"},
    Status.IMPORT_ERROR: {"ko": "불러오기 오류", "en": "error while loading"},
    Status.UNREADABLE: {"ko": "돌려준 값을 읽을 수 없음", "en": "returned value unreadable"},
    Status.NOT_DONE: {"ko": "풀지 않음", "en": "not done"},
    "grader_error": {"ko": "채점 중 오류", "en": "error while grading"},
}


def grader_version() -> str:
    """A hash of the code that decides grades and the TensorFlow, Keras and numpy it runs with: a change
    to either regrades every submission, and `merge` refuses parts graded by different ones.
    E.g. `d588e96b524378bf (tensorflow 2.21.0, keras 3.15.1, numpy 2.4.6)`."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    # The packages that make a grade: the course's facts, the checks and the sandbox that runs a step.
    decides = sorted(p for name in ("core", "checks", "sandbox") for p in (package / name).rglob("*.py"))
    for path in decides:
        digest.update(path.relative_to(package).as_posix().encode() + path.read_bytes())
    return f"{digest.hexdigest()[:16]} ({versions.shown(versions.installed())})"


@dataclass
class StudentResult:
    student: str
    status: str  # graded | failed
    steps: dict[str, int] = field(default_factory=dict)
    total: int = 0
    reasons: list[str] = field(default_factory=list)
    hash: str = ""
    checks: dict[str, int] = field(default_factory=dict)  # points per check id (for nbgrader's cells)
    # What each failed check's nbgrader test cell says (autograder.grading.nbgrader_autograde writes
    # it there, so `--nbgrader` makes autograded notebooks and feedback without running anything twice).
    messages: dict[str, str] = field(default_factory=dict)
    # Step 4's training loss per epoch, from verified training only (for the class report).
    loss_curve: list[float] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "total": self.total,
            "status": self.status,
            "reasons": self.reasons,
            "checks": self.checks,
            "messages": self.messages,
            "loss_curve": self.loss_curve,
            "hash": self.hash,
        }


def _step_label(number: int, lang: str) -> str:
    return f"{number}단계" if lang == "ko" else f"step {number}"


def _reasons(reports: list[StepReport], lang: str) -> list[str]:
    reasons = []
    for report in reports:
        status = report.outcome.status
        failed_calls = [c for c in report.outcome.calls.values() if c.get("status") == Status.ERROR]
        if report.outcome.lost:
            reasons.append(f"{_step_label(report.step.number, lang)}: {REASONS['lost'][lang]}")
        elif status in REASONS:
            detail = REASONS[status][lang]
            error = report.outcome.error or {}
            if status == Status.TIMEOUT:
                detail += f" ({error.get('seconds')} s)"
            elif status == Status.OUT_OF_MEMORY:
                detail += f" ({error.get('bytes', 0) / 2**30:g} GiB)"
            elif error.get("type"):
                detail += f" ({printable(error['type'], 80)}: {printable(error.get('message', ''), 120)})"
            elif error.get("message"):
                detail += f" ({printable(error['message'], 120)})"
            reasons.append(f"{_step_label(report.step.number, lang)}: {detail}")
        elif failed_calls:
            error = failed_calls[0].get("error") or {}
            reasons.append(
                f"{_step_label(report.step.number, lang)}: "
                f"{printable(error.get('type'), 80)}: {printable(error.get('message'), 120)}"
            )
    return reasons


class Gradebook:
    """OUT/grades.json and OUT/grades.csv, rewritten atomically after every student."""

    def __init__(self, out: Path, lang: str = "ko") -> None:
        self.out, self.lang = out, lang
        self.lock = threading.Lock()
        self.path = out / "grades.json"
        self.data: dict[str, Any] = {"steps": {}, "students": {}}
        if self.path.exists():
            try:
                self.data = json.loads(self.path.read_text(encoding="utf-8"))
            except ValueError:
                pass  # a damaged file is rebuilt from this run
        self.data.setdefault("students", {})
        # Wall-clock seconds each student's grading took: a fact of a run, not of the grade, so kept
        # apart from the students' records (which the same class always makes byte for byte).
        self.data["seconds"] = self.data.get("seconds", {})
        self.data["steps"] = {
            str(step.number): sum(c.points for c in all_checks() if c.step == step.number) for step in STEPS
        }
        self.data["grader"] = grader_version()
        self.data["seed"] = spec.GRADER_SEED

    def fingerprint(self, snapshot: Snapshot) -> str:
        """The snapshot's content (the bytes graded), the grader's version and the language of the
        feedback: when all are unchanged, so is what this run would write (a run in another language
        rewrites it all)."""
        key = f"{snapshot.content_hash()}:{self.data['grader']}:{self.lang}"
        return hashlib.sha256(key.encode()).hexdigest()

    def stored(self, student: str) -> StudentResult:
        row = self.data["students"][student]
        fields = ("status", "steps", "total", "reasons", "hash", "checks", "messages", "loss_curve")
        return StudentResult(student, **{name: row[name] for name in fields})

    def unchanged(self, student: str, fingerprint: str) -> bool:
        row = self.data.get("students", {}).get(student, {})
        # A row from before failed checks' messages (nbgrader's cells need them) or step 4's loss curve
        # (the class report draws it) were kept is graded again.
        return row.get("hash") == fingerprint and "messages" in row and "loss_curve" in row

    def record(self, result: StudentResult, seconds: float | None = None) -> None:
        with self.lock:
            self.data["students"][result.student] = result.as_json()
            if seconds is not None:
                self.data["seconds"][result.student] = round(seconds, 1)
            self.save()

    def save(self) -> None:
        """Write grades.json and grades.csv (students sorted: the same class gives the same bytes)."""
        self.data["students"] = dict(sorted(self.data["students"].items()))
        self.data["seconds"] = dict(sorted(self.data["seconds"].items()))
        atomic_write(self.path, json_text(self.data))
        atomic_write(self.out / "grades.csv", self.csv())

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["student", *(f"step{s.number}" for s in STEPS), "total", "status"])
        for student, row in self.data["students"].items():
            steps = [row["steps"].get(str(s.number), 0) for s in STEPS]
            writer.writerow([csv_cell(shown(student)), *steps, row["total"], row["status"]])
        return buffer.getvalue()

    def write_report(self, lang: str | None = None) -> None:
        """OUT/report.html and OUT/canvas.csv, from grades.json as written (its numbers only)."""
        grades = json.loads(self.path.read_text(encoding="utf-8"))
        class_report.write(grades, self.out, lang or self.lang)


class LazyZygote:
    """One zygote for the whole run, started only when a step must really run (not on a rerun
    where every submission is unchanged)."""

    def __init__(self, sandboxed: bool = True) -> None:
        self._lock = threading.Lock()
        self._sandboxed = sandboxed
        self._zygote: Zygote | Spawner | None = None
        self._closed = False

    def get(self) -> Zygote | Spawner:
        with self._lock:
            if self._closed:
                raise ZygoteLost("the run is over")
            if self._zygote is None:
                self._zygote = start_runner(self._sandboxed)
                if self._closed:  # the run was stopped while it started: close() missed it
                    self._zygote.close(wait=0.0)
            return self._zygote

    def close(self, wait: float = 30.0) -> None:
        """Stop the zygote once its steps end, or after `wait` seconds (0: at once, with its steps)."""
        self._closed = True
        if self._zygote is not None:
            self._zygote.close(wait)

    def __enter__(self) -> LazyZygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class GradeRun:
    """Everything one `grade` invocation decides, for the summary and the exit status."""

    results: list[StudentResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[StudentResult]:
        return [r for r in self.results if r.status == "failed"]


def _failed(student: str, content_hash: str, reason: dict[str, str], lang: str) -> StudentResult:
    """A submission that could not be graded at all: zero everywhere, and why (`reason` per language)."""
    steps = {str(s.number): 0 for s in STEPS}
    checks = {c.id: 0 for c in all_checks()}
    messages = {c.id: f"\n[{c.id}] {reason['ko']}\n\n[{c.id}] {reason['en']}" for c in all_checks()}
    return StudentResult(student, "failed", steps, 0, [reason[lang]], content_hash, checks, messages)


def _refused(step: Step, snapshot: Snapshot) -> Outcome:
    """A step whose file the snapshot refused (a symlink, a FIFO, too large): what run_step says of it."""
    return Outcome(step.number, Status.CRASHED, error={"message": snapshot.refused[step.filename]})


def _result(submission: Submission, content_hash: str, reports: list[StepReport], lang: str) -> StudentResult:
    """A student's points: every check id starts at 0 and only a passing verdict adds its points,
    so a check that did not report counts as failed, never as passed."""
    not_run = [r for r in reports if r.outcome.status in NOT_RUN or r.outcome.lost]
    checks = {c.id: 0 for c in all_checks()}
    checks.update({v.check.id: v.points for r in reports for v in r.verdicts if v.check.id in checks})
    steps = {
        str(s.number): sum(p for i, p in checks.items() if i.startswith(f"step{s.number}.")) for s in STEPS
    }
    return StudentResult(
        student=submission.student,
        status="failed" if not_run else "graded",
        steps=steps,
        total=sum(steps.values()),
        reasons=_reasons(reports, lang),
        # A step the grader lost is not the learner's grade: no fingerprint, so a rerun grades it again.
        hash="" if any(r.outcome.lost for r in reports) else content_hash,
        checks=checks,
        messages={v.check.id: cell_failure(v) for r in reports for v in r.verdicts if not v.passed},
        loss_curve=class_report.verified_loss_curve(reports),
    )


def grade_class(
    submissions_root: Path,
    out: Path,
    workers: int | None = None,
    timeout: float | None = None,
    lang: str = "ko",
    force: bool = False,
    on_student: Callable[[StudentResult | None], None] | None = None,
    sandboxed: bool = True,
    students: Collection[str] | None = None,
) -> GradeRun:
    """Grade every submission under `submissions_root` into `out`; see the module docstring.

    `sandboxed` (the default) refuses to run where the sandbox cannot (SandboxUnavailable).
    `students`: grade only these (a shard's slice of the class); None grades them all."""
    from autograder.grading import feedback  # matplotlib: only when there is something to plot

    if sandboxed and (why := unavailable_reason()):
        raise SandboxUnavailable(why)
    out.mkdir(parents=True, exist_ok=True)
    book = Gradebook(out, lang)
    run = GradeRun()
    limits = Limits(timeout=timeout)
    checks = all_checks()
    workers = workers or os.cpu_count() or 1
    zygote = LazyZygote(sandboxed)
    stopped = threading.Event()  # Ctrl+C: the students being graded are not written (a rerun grades them)
    with tempfile.TemporaryDirectory(prefix="keras-course-grade-") as tmp, zygote:
        with ThreadPoolExecutor(max_workers=workers) as steps_pool, ThreadPoolExecutor(workers) as pool:

            def judge_one(
                submission: Submission, snapshot: Snapshot, content_hash: str
            ) -> tuple[StudentResult, list[StepReport]]:
                try:
                    folder = snapshot.step_folder()
                except InvalidSubmission as exc:
                    reason = {language: exc.reason(language) for language in ("ko", "en")}
                    kept = content_hash if exc.final else ""  # not final: a rerun tries again
                    return _failed(submission.student, kept, reason, lang), []
                order = slowest_first(STEPS)
                futures: dict[int, Future[Outcome]] = {
                    s.number: steps_pool.submit(run_step, s, folder, limits, zygote.get())
                    for s in order
                    if s.filename not in snapshot.refused
                }
                outcomes = [
                    futures[s.number].result() if s.number in futures else _refused(s, snapshot)
                    for s in STEPS
                ]
                reports = assess(outcomes, checks)
                if submission.is_notebook:  # its feedback speaks of answer cells, not step files
                    reports = [for_notebook(r) for r in reports]
                return _result(submission, content_hash, reports, lang), reports

            def grade_one(submission: Submission) -> None:
                """Whatever goes wrong with one submission costs that submission only. It is graded
                from a snapshot of its files, and fingerprinted by the very bytes graded."""
                scratch = Path(tempfile.mkdtemp(dir=tmp))
                started = time.monotonic()
                try:
                    snapshot = submission.snapshot(scratch)
                    content_hash = book.fingerprint(snapshot)
                    if not force and book.unchanged(submission.student, content_hash):
                        run.skipped.append(submission.student)
                        run.results.append(book.stored(submission.student))
                        on_student and on_student(None)
                        return
                    result, reports = judge_one(submission, snapshot, content_hash)
                    if stopped.is_set():  # its steps may have been cut short: not its grade
                        return
                    maximum = sum(book.data["steps"].values())
                    feedback.write(out / "feedback" / submission.student, result, reports, lang, maximum)
                except Exception as exc:  # noqa: BLE001 - a grader error must not stop the class
                    detail = printable(f"{type(exc).__name__}: {exc}", 200)
                    reason = {
                        language: f"{text} ({detail})" for language, text in REASONS["grader_error"].items()
                    }
                    result = _failed(submission.student, "", reason, lang)
                finally:
                    shutil.rmtree(scratch, ignore_errors=True)
                if stopped.is_set():
                    return
                book.record(result, time.monotonic() - started)
                run.results.append(result)
                on_student and on_student(result)

            chosen = [s for s in discover(submissions_root) if students is None or s.student in students]
            try:
                list(pool.map(grade_one, chosen))
            except BaseException:
                _stop(stopped, (pool, steps_pool), zygote)
                raise
    if book.path.exists():
        book.write_report()
    run.results.sort(key=lambda r: r.student)
    return run


def _stop(stopped: threading.Event, pools: tuple[ThreadPoolExecutor, ...], zygote: LazyZygote) -> None:
    """Ctrl+C: grade nobody else, end every step now (the zygote and its children), and let the
    threads of the students in progress end without writing them. What is in grades.json stays: each
    student was written whole, atomically, when graded. A second Ctrl+C does not cut this short."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        stopped.set()
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        zygote.close(wait=0.0)
        for pool in pools:
            pool.shutdown(wait=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
