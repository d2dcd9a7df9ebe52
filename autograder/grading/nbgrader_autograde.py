"""nbgrader's Autograde without a Jupyter kernel: the answer cells run only in the sandbox.

nbgrader's own `Execute` runs a submission in a kernel as the instructor: its code reads what the
instructor can read (the hidden checks, `solutions/`) into outputs that `generate_feedback` releases,
writes into the grader's virtualenv, and writes the test cells' outputs that decide its score.
course/nbgrader_config.py therefore puts `SandboxedTests` where `Execute` was in
`Autograde.autograde_preprocessors`, so `nbgrader autograde` and the formgrader's Autograde button
(the same converter, in the Jupyter server) turn the sanitized notebook's answer cells into step
files, run them in the sandbox and judge them here, as `keras-course grade` does. Each test cell then
gets the output its check earned: one line on stdout when it passed, an `error` when it failed
(nbgrader scores that cell zero), Korean first, then English. nbgrader's own SaveAutoGrades,
AssignLatePenalties, generate_feedback, release_feedback and export work on that unchanged.

`keras-course grade --nbgrader` has judged every notebook already: `record_in_course` drives the
same converter in process with `RecordedTests`, which fills the test cells from grades.json, so
nbgrader records submission times, late penalties and the autograded notebooks that feedback is made
from, and nothing runs twice.
"""

from __future__ import annotations

import atexit
import logging
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.converters import Autograde
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Dict, Float
from traitlets.config import Config

from autograder.checks.library import Check
from autograder.checks.registry import all_checks
from autograder.checks.report import assess, cell_failure, cell_pass, for_notebook
from autograder.core.steps import STEPS
from autograder.core.submissions import ASSIGNMENT, InvalidSubmission, notebook_to_steps
from autograder.sandbox.child.contract import Limits
from autograder.sandbox.launch import Spawner, Zygote, unavailable_reason
from autograder.sandbox.runner import run_steps, start_runner

HERE = "autograder.grading.nbgrader_autograde"
# nbgrader 0.9's default autograde list, its Execute replaced by ours (the course's config sets this).
AUTOGRADE_PREPROCESSORS = [
    f"{HERE}.SandboxedTests",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# nbgrader's own list, for comparison runs (the benchmark, the tests' control): learner code in a kernel.
PLAIN_PREPROCESSORS = ["nbgrader.preprocessors.Execute", *AUTOGRADE_PREPROCESSORS[1:]]

TEXT = {
    "unavailable": (
        "이 컴퓨터에서는 샌드박스를 쓸 수 없어 이 노트북을 채점하지 않습니다 (샌드박스 밖에서 학습자 코드를 "
        "돌리지 않습니다): {why}\nThe sandbox cannot run on this machine, so this notebook is not graded "
        "(learner code never runs outside it): {why}"
    ),
    "unknown": (
        "\n[{cell}] 이 강좌의 검사가 아닙니다 (숨은 검사라면 autograder/checks/hidden/이 채점하는 쪽에 "
        "설치되지 않은 것입니다).\n\n[{cell}] Not a check of this course (if it is a hidden check, "
        "autograder/checks/hidden/ is not installed where grading runs)."
    ),
    "unrecorded": (
        "\n[{cell}] keras-course grade의 결과(grades.json)에 이 학생의 판정이 없습니다.\n\n"
        "[{cell}] keras-course grade recorded no verdict for this student (grades.json)."
    ),
    "invalid": "\n[{cell}] 채점할 수 없는 노트북: {ko}\n\n[{cell}] This notebook cannot be graded: {en}",
}


class SandboxRefused(RuntimeError):
    """The sandbox cannot run here: the notebook is not graded (nbgrader reports it and goes on)."""


def _cell_checks() -> dict[str, Check]:
    """Test cell id (nbgrader's grade_id) -> its check: `step2.dense_units` is cell `step2_dense_units`."""
    return {check.id.replace(".", "_"): check for check in all_checks(include_hidden=True)}


def _is_test_cell(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def passed_output(check: Check) -> NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=cell_pass(check) + "\n")


def failed_output(message: str) -> NotebookNode:
    """What the kernel's CheckFailed shows: nbgrader scores a test cell with an `error` output zero."""
    return nbformat.v4.new_output(
        "error", ename="CheckFailed", evalue=message, traceback=[f"CheckFailed: {message}"]
    )


class _TestCells(NbGraderPreprocessor):
    """Every code cell's outputs replaced: a test cell gets its check's verdict, the others nothing.

    Always applied, even with `--no-execute` (which disables Execute and ClearOutput): a learner's
    saved outputs must never score."""

    def verdicts(self, nb: NotebookNode, resources: ResourcesDict) -> dict[str, str | None]:
        """Check id -> None when it passed, else what its test cell says."""
        raise NotImplementedError

    def __call__(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        return self.preprocess(nb, resources)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        verdicts = self.verdicts(nb, resources)
        checks = _cell_checks()
        for cell in nb.cells:
            if cell.get("cell_type") != "code":
                continue
            cell.outputs, cell.execution_count = [], None
            if not _is_test_cell(cell):
                continue
            grade_id = str(cell.metadata.nbgrader.get("grade_id", ""))
            check = checks.get(grade_id)
            if check is None or check.id not in verdicts:
                cell.outputs = [failed_output(TEXT["unknown"].format(cell=grade_id))]
            elif (message := verdicts[check.id]) is None:
                cell.outputs = [passed_output(check)]
            else:
                cell.outputs = [failed_output(message)]
        return nb, resources


# One fork server per process (nbgrader autograde, or the Jupyter server behind the formgrader),
# started at the first notebook, reused for the next ones, closed when the process exits.
_RUNNER: Zygote | Spawner | None = None
_RUNNER_LOCK = threading.Lock()


def _runner() -> Zygote | Spawner:
    global _RUNNER
    with _RUNNER_LOCK:
        if _RUNNER is None:
            _RUNNER = start_runner(sandboxed=True)
            atexit.register(_RUNNER.close)
        return _RUNNER


def judge_notebook(path: Path, timeout: float | None = None) -> dict[str, str | None]:
    """Run the answer cells of the notebook at `path` in the sandbox; check id -> None or its message.

    Raises SandboxRefused where the sandbox cannot run: there is no unsandboxed fallback."""
    if why := unavailable_reason():
        raise SandboxRefused(TEXT["unavailable"].format(why=why))
    checks = all_checks(include_hidden=True)
    with tempfile.TemporaryDirectory(prefix="keras-course-autograde-") as scratch:
        folder = Path(scratch, "steps")
        try:
            notebook_to_steps(path, folder)
        except InvalidSubmission as exc:
            return {
                c.id: TEXT["invalid"].format(cell=c.id, ko=exc.reason("ko"), en=exc.reason("en"))
                for c in checks
            }
        outcomes = run_steps(folder, STEPS, limits=Limits(timeout=timeout), zygote=_runner())
    reports = [for_notebook(r) for r in assess(outcomes, checks)]  # its learner has answer cells
    return {v.check.id: None if v.passed else cell_failure(v) for r in reports for v in r.verdicts}


class SandboxedTests(_TestCells):
    """In place of nbgrader's Execute: the answers run in the sandbox, the test cells get the verdicts."""

    timeout = Float(
        None, allow_none=True, help="Seconds per step for learner code (default: each step's own limit)."
    ).tag(config=True)

    def verdicts(self, nb: NotebookNode, resources: ResourcesDict) -> dict[str, str | None]:
        with tempfile.TemporaryDirectory(prefix="keras-course-notebook-") as scratch:
            path = Path(scratch, "submission.ipynb")
            nbformat.write(nb, path)
            verdicts = judge_notebook(path, self.timeout)
        student = resources.get("nbgrader", {}).get("student", "?")
        failed = sum(message is not None for message in verdicts.values())
        self.log.info("Graded %s in the sandbox: %d of %d checks failed", student, failed, len(verdicts))
        return verdicts


class RecordedTests(_TestCells):
    """The verdicts `keras-course grade` wrote into grades.json (its `students`), run nowhere again."""

    students = Dict(help="grades.json's students: student id -> row with `checks` and `messages`")

    def verdicts(self, nb: NotebookNode, resources: ResourcesDict) -> dict[str, str | None]:
        student = resources["nbgrader"]["student"]
        row = self.students.get(student, {})
        points, messages = row.get("checks", {}), row.get("messages", {})
        verdicts: dict[str, str | None] = {}
        for check in all_checks(include_hidden=True):
            if check.id in messages:
                verdicts[check.id] = str(messages[check.id])
            elif points.get(check.id, 0) > 0:
                verdicts[check.id] = None
            else:  # a check grade did not report is failed, never passed
                verdicts[check.id] = TEXT["unrecorded"].format(cell=check.id)
        return verdicts


class _RecordedAutograde(Autograde):
    """nbgrader's Autograde over the students `keras-course grade` graded (the rest of submitted/ is
    left alone)."""

    def init_destination(self, assignment_id: str, student_id: str) -> bool:
        graded: set[str] = getattr(self, "graded", set())
        return student_id in graded and super().init_destination(assignment_id, student_id)


@dataclass
class Recorded:
    """What `record_in_course` did: per autograded student, the submission time nbgrader recorded
    (None: no timestamp.txt) and seconds late; the students nbgrader could not autograde."""

    submitted: dict[str, tuple[str | None, float]] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # not in the gradebook: not autograded either
    errors: list[str] = field(default_factory=list)  # why, as the last line of nbgrader's tracebacks


class _Collect(logging.Handler):
    """nbgrader's errors, each traceback it logs cut to its last line (what went wrong)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        if message.startswith("Traceback"):
            self.lines.append(message.splitlines()[-1])


def record_in_course(
    course_dir: Path, config: Config, students: dict[str, Any], assignment: str = ASSIGNMENT
) -> Recorded:
    """nbgrader's Autograde, in this process, for each student of `students` (grades.json's) who has a
    notebook in the course's submitted/: submission time, late penalty, scores and autograded/.
    `config`: the course's nbgrader_config.py as loaded (autograder.grading.nbgrader_sync.course_config)."""
    from nbgrader.api import Gradebook
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory
    from sqlalchemy.exc import SAWarning

    coursedir = CourseDirectory(config=config, root=str(Path(course_dir).resolve()))
    coursedir.assignment_id = assignment

    def folder(kind: str, student: str) -> Path:
        return Path(coursedir.format_path(kind, student, assignment))

    chosen = [s for s in students if any(folder(coursedir.submitted_directory, s).glob("*.ipynb"))]
    done = Recorded()
    if not chosen:
        return done
    log = logging.getLogger("keras-course.nbgrader")
    log.propagate = False
    log.setLevel(logging.INFO)
    collect = _Collect()
    log.addHandler(collect)
    converter = _RecordedAutograde(coursedir=coursedir, config=config, log=log)
    converter.graded = set(chosen)
    converter.force = True  # the verdicts are grade's newest: always rewrite autograded/
    # Not the last CheckCellMetadata: sanitizing has checked the cells, and RecordedTests sets outputs only.
    recorded = [RecordedTests(students=students), *AUTOGRADE_PREPROCESSORS[1:-1]]
    converter.autograde_preprocessors = recorded
    try:
        with warnings.catch_warnings():
            # SQLAlchemy's "not in session" warnings from inside nbgrader 0.9.6: noise, not about grades.
            warnings.simplefilter("ignore", SAWarning)
            converter.start()
    except NbGraderException:
        pass  # each failure was logged, and the others were autograded
    finally:
        log.removeHandler(collect)
    done.errors = collect.lines
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        for student in chosen:
            if not folder(coursedir.autograded_directory, student).is_dir():
                done.failed.append(student)
                continue
            submission = gradebook.find_submission(assignment, student)
            when = submission.timestamp.isoformat(sep=" ") if submission.timestamp else None
            done.submitted[student] = (when, float(submission.total_seconds_late or 0))
    return done
