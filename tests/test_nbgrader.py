"""End to end: real nbgrader 0.9 on a temporary copy of course/, with a small class of students.

generate_assignment, release_assignment to a temporary exchange, fetch_assignment and submit as each
student, collect, autograde, generate_feedback and export, then the points of every student in every
step, the timeout, the broken submissions, what the release and the feedback show, and the CSV.

One test function on purpose: the class takes a minute or two to grade, and pytest-xdist would run a
module-scoped fixture once per worker if its tests were split across workers.

"Nothing of the hidden checks" means, in release/ and in the exchange: no hidden test code, no
hidden check's title, expectation or hint, and none of their judging code. The hidden cells' grade
ids (`step4_final_loss`) and points are visible: nbgrader needs the cells there to grade them. In
the feedback, a hidden cell shows its source, which is only `assert_check("step4.final_loss", ...)`,
and its verdict on that learner's own code (the same message `keras-course check --hidden` prints);
never the judging code (autograder/checks/hidden/) nor, for a learner who did not write it, a solution.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from autograder.checks.registry import all_checks
from autograder.core.steps import STEPS
from autograder.course.nbgrader_notebook import ASSIGNMENT, function_source
from autograder.course.stubs import stub_source

from answers import MUTANTS, TUTORIAL, Answer, fill_notebook, solution_answer
from conftest import ROOT
from leaks import HIDDEN, hidden_code, hidden_texts, solution_regions

CELL_TIMEOUT = 120  # the course's default (course/nbgrader_config.py says why)
CHECKS = all_checks(include_hidden=True)
STEP_IDS = {step.number: {c.id for c in CHECKS if c.step == step.number} for step in STEPS}

# One wrong answer per step, public and hidden failures mixed.
MUTANT_OF_STEP = {
    1: MUTANTS["step1_from_zero"],
    2: MUTANTS["step2_swapped_5_3"],
    3: MUTANTS["step3_no_metrics"],
    4: MUTANTS["step4_wrong_target"],
    5: MUTANTS["step5_predict_returns_input"],
}
ENDLESS_LOOP = Answer(4, {"train_model": "while True:\n    pass"})

SOLUTIONS = {step.number: solution_answer(step.number) for step in STEPS}
# student -> (answers typed into the notebook, or "invalid" for a file that is not JSON; failing checks)
CLASS: dict[str, tuple[dict[int, Answer | None] | str, set[str]]] = {
    "minji": (SOLUTIONS, set()),
    "junho": (MUTANT_OF_STEP, set().union(*(m.fails for m in MUTANT_OF_STEP.values()))),
    "seoyeon": ({}, {c.id for c in CHECKS}),  # untouched stubs: every check raises
    # The tutorial's own Keras 2 code (its input_dim warning must not cost points), step 4 never ends.
    "jiwoo": ({**TUTORIAL, 4: ENDLESS_LOOP}, STEP_IDS[4]),
    "hyunwoo": ("invalid", {c.id for c in CHECKS}),
}
UNKNOWN_STUDENT = "mallory"  # submits, but is not in students.csv: never graded


def _env(tmp: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KERAS_COURSE_")}
    env.update(
        KERAS_COURSE_EXCHANGE=str(tmp / "exchange"),
        KERAS_COURSE_CELL_TIMEOUT=str(CELL_TIMEOUT),
        KERAS_COURSE_GRADER_PATH=str(ROOT),  # the copy is outside the repository
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),  # no user-level nbgrader config
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def nbgrader(course: Path, env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """An instructor command, exactly as typed in course/ (`nbgrader autograde keras01`)."""
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True, text=True
    )
    if ok:
        assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


# Students' fetch_assignment and submit, in one Python process: each nbgrader start costs seconds of
# imports, and these are the same application classes the `nbgrader` command runs.
STUDENT_COMMANDS = """
import json, sys
from nbgrader.apps import FetchAssignmentApp, SubmitApp
apps = {"fetch_assignment": FetchAssignmentApp, "submit": SubmitApp}
for name, *argv in json.loads(sys.argv[1]):
    app = apps[name]()
    app.initialize(argv)
    app.start()
"""


def as_students(tmp: Path, env: dict[str, str], command: str, students: list[str]) -> None:
    common = ["--course=keras-course", f"--Exchange.root={tmp / 'exchange'}"]
    commands = [
        [command, ASSIGNMENT, *common, f"--Exchange.assignment_dir={tmp / 'students' / s}", f"--student={s}"]
        for s in students
    ]
    for student in students:
        (tmp / "students" / student).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", STUDENT_COMMANDS, json.dumps(commands)],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def write_answers(tmp: Path) -> None:
    for student, (answers, _) in {**CLASS, UNKNOWN_STUDENT: (SOLUTIONS, set())}.items():
        path = tmp / "students" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        if answers == "invalid":
            path.write_text('{"cells": [ this is not JSON', encoding="utf-8")
        else:
            fill_notebook(path, answers)


def run_class(tmp: Path) -> dict[str, object]:
    """The whole course, as the instructor guide shows it; returns logs and timings."""
    course = tmp / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns("gradebook.db", ".nbgrader.log"))
    for generated in ("release", "submitted", "autograded", "feedback", "exchange"):
        shutil.rmtree(course / generated, ignore_errors=True)
    env = _env(tmp)
    times: dict[str, float] = {}

    def timed(name: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        started = time.perf_counter()
        done = nbgrader(course, env, *args, ok=ok)
        times[name] = round(time.perf_counter() - started, 1)
        return done

    timed("import students", "db", "student", "import", "students.csv")
    timed("generate_assignment", "generate_assignment", ASSIGNMENT)
    timed("release_assignment", "release_assignment", ASSIGNMENT)
    students = [*CLASS, UNKNOWN_STUDENT]
    as_students(tmp, env, "fetch_assignment", students)
    write_answers(tmp)
    as_students(tmp, env, "submit", students)
    timed("collect", "collect", ASSIGNMENT)
    autograde = timed("autograde", "autograde", ASSIGNMENT, ok=False)
    timed("generate_feedback", "generate_feedback", ASSIGNMENT)
    timed("export", "export", "--to", "grades.csv")
    return {"course": course, "autograde": autograde, "times": times, "exchange": tmp / "exchange"}


def _scores(course: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook, MissingEntry

    scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in gradebook.students:
            try:
                notebook = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student.id)
            except MissingEntry:
                continue
            scores[student.id] = {grade.name: grade.score for grade in notebook.grades}
    return scores


def expected_scores(fails: set[str]) -> dict[str, float]:
    return {c.id.replace(".", "_"): 0.0 if c.id in fails else float(c.points) for c in CHECKS}


def by_step(scores: dict[str, float]) -> dict[int, float]:
    return {
        step.number: sum(v for k, v in scores.items() if k.startswith(f"step{step.number}_"))
        for step in STEPS
    }


def plain_text(path: Path) -> str:
    """A feedback page as text: tags stripped (pygments splits code into spans), entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def assert_release_is_clean(course: Path, exchange: Path) -> None:
    released = [*(course / "release").rglob("*"), *(exchange / "keras-course" / "outbound").rglob("*")]
    files = [p for p in released if p.is_file()]
    assert {p.name for p in files} == {f"{ASSIGNMENT}.ipynb"}, files
    secrets = [*hidden_code(), *hidden_texts(), *(c.id for c in HIDDEN), *solution_regions()]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for marker in (
            "BEGIN SOLUTION",
            "END SOLUTION",
            "BEGIN HIDDEN TESTS",
            "checks.hidden",
            "checks/hidden",
        ):
            assert marker not in text, (path, marker)
        for secret in secrets:
            assert secret not in text, (path, secret)
        answers = {
            c.id: c.source for c in nbformat.reads(text, as_version=4).cells if c.id.endswith("_answer")
        }
        for step in STEPS:  # each answer cell is exactly nbgrader's stub of the solution's functions
            assert answers[f"step{step.number}_answer"] == stub_source(function_source(step))


def assert_feedback_is_clean(course: Path) -> None:
    for student, (answers, fails) in CLASS.items():
        folder = course / "feedback" / student / ASSIGNMENT
        if answers == "invalid":
            assert not folder.exists()
            continue
        # Only the page and nbgrader's own receipt: no file of source/ is copied beside it.
        assert {p.name for p in folder.iterdir()} == {
            f"{ASSIGNMENT}.html",
            "timestamp.txt",
            "submission_secret.txt",
        }
        text = plain_text(folder / f"{ASSIGNMENT}.html")
        assert "BEGIN SOLUTION" not in text and "checks.hidden" not in text and "checks/hidden" not in text
        # A verdict is shown (a pass prints the title; a failure what was expected and what to try),
        # nothing of a hidden check this student passed, and never the code that judges.
        passed = [c for c in HIDDEN if c.id not in fails]
        for secret in [*hidden_code(), *hidden_texts(passed, ("expected", "hint"))]:
            assert secret not in text, (student, secret)
        if student != "minji":  # minji's own answers are the solutions
            for region in solution_regions():
                assert region not in text, (student, region)
        for check in HIDDEN:  # the hidden cell's code, shown in full, is only the call
            assert f'assert_check("{check.id}", globals())' in text


def assert_timeout_stopped_only_step4(course: Path, log: str) -> None:
    """nbgrader interrupts step 4's first test cell; its other cells fail at once with the reason."""
    assert f"Timeout waiting for execute reply ({CELL_TIMEOUT}s)" in log
    nb = nbformat.read(course / "autograded" / "jiwoo" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    outputs = {c.id: c.outputs for c in nb.cells if c.cell_type == "code"}
    first, *others = [c.id.replace(".", "_") for c in CHECKS if c.step == 4]
    assert any(o.get("ename") == "CellTimeoutError" for o in outputs[first]), outputs[first]
    for cell_id in others:
        error = " ".join(o.get("evalue", "") for o in outputs[cell_id] if o.output_type == "error")
        assert "stopped after" in error and "endless loop" in error, (cell_id, outputs[cell_id])


def test_the_course_end_to_end(tmp_path: Path) -> None:
    started = time.perf_counter()
    run = run_class(tmp_path)
    course, autograde = run["course"], run["autograde"]
    log = autograde.stdout + autograde.stderr

    # The invalid notebook and the unknown student are reported; the batch goes on without them.
    assert autograde.returncode != 0
    assert "There was an error processing assignment 'keras01' for student 'hyunwoo'" in log
    assert f"No student with ID '{UNKNOWN_STUDENT}' exists in the database" in log
    graded = {
        p.parent.parent.name for p in (course / "autograded").glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
    }
    assert graded == {s for s, (answers, _) in CLASS.items() if answers != "invalid"}

    # Points per student, per check and per step, from the check library and each answer's failures.
    scores = _scores(course)
    for student, (answers, fails) in CLASS.items():
        if answers == "invalid":
            continue
        expected = expected_scores(fails)
        assert by_step(scores[student]) == by_step(expected), student
        assert scores[student] == expected, student
    assert UNKNOWN_STUDENT not in scores

    assert_timeout_stopped_only_step4(course, log)
    assert_release_is_clean(course, run["exchange"])
    assert_feedback_is_clean(course)

    # The CSV holds every student of students.csv, with the same totals as the gradebook.
    with open(course / "grades.csv", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(CLASS)
    for student, (_, fails) in CLASS.items():
        assert float(rows[student]["raw_score"]) == sum(expected_scores(fails).values()), student
        assert float(rows[student]["max_score"]) == sum(c.points for c in CHECKS)
    print(json.dumps({**run["times"], "total": round(time.perf_counter() - started, 1)}))


def test_the_sample_class_is_the_sample_student_list() -> None:
    with open(ROOT / "course" / "students.csv", encoding="utf-8") as handle:
        assert {row["id"] for row in csv.DictReader(handle)} == set(CLASS)
