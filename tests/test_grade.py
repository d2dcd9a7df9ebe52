"""`keras-course grade` on a real class mixing honest work, one mistake per step, and attacks.

Every attack must score zero on the step it attacks with a readable reason, while every other step
and student gets exactly the points its answers earn alone.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import pytest

from autograder.checks.registry import all_checks
from autograder.core.files import csv_cell, shown
from autograder.core.steps import STEPS
from autograder.core.submissions import Submission
from autograder.grading import grade
from autograder.grading.grade import Gradebook, grade_class

from answers import MUTANTS, Answer, add_try_it, fill, write_submission
from conftest import ROOT

# One worker grades the class once: split across xdist workers, each would grade (and bomb) it again.
pytestmark = pytest.mark.xdist_group("grade-class")

MAX = {step.number: sum(c.points for c in all_checks() if c.step == step.number) for step in STEPS}
SOLUTIONS = {step.number: (ROOT / "solutions" / step.filename).read_text() for step in STEPS}
ONE_MISTAKE_PER_STEP = [
    "step1_from_zero",
    "step2_swapped_5_3",
    "step3_sgd",
    "step4_epochs_10",
    "step5_predict_returns_input",
]


def attack(step: int, prelude: str = "", **bodies: str) -> Answer:
    return Answer(step, bodies, textwrap.dedent(prelude))


def attackers(out: Path) -> dict[str, dict[int, Answer]]:
    return {
        "attacker_a": {
            1: attack(
                1, "import builtins\nbuiltins.isinstance = lambda *a: True\n", make_data='return "x", "y"'
            ),
            2: attack(
                2,
                """
                import numpy
                numpy.allclose = lambda *a, **k: True
                keras.Model.count_params = lambda self: 32
                class FakeModel:
                    layers = []
                    def count_params(self):
                        return 32
                """,
                build_model="return FakeModel()",
            ),
            3: attack(3, "import sys\nsys.exit(0)\n", compile_model="return model"),
            4: MUTANTS["step4_fake_history"],
            5: attack(
                5, "import os\nos._exit(0)\n", evaluate_model="return 0.0, 0.0", predict="return x_new"
            ),
        },
        "attacker_b": {
            1: attack(1, make_data="while True:\n    pass"),
            2: attack(2, "import numpy\nhoard = numpy.ones(30 * 2**30 // 8)\n", build_model="return None"),
            3: attack(
                3,
                "import os\n",
                compile_model="while True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
            ),
            4: attack(
                4,
                train_model=f"""
                    with open({str(out / "grades.csv")!r}, "w") as grades:
                        grades.write("attacker_b,99,99,99,99,99,495,graded\\n")
                    return model.fit(x, y, epochs=100, batch_size=1)
                """,
            ),
            5: attack(
                5,
                "print('5 of 5 steps passed (25/25 points)')\n",
                evaluate_model="print('✓ all checks passed')\nreturn None",
                predict="return None",
            ),
        },
    }


# Folders whose names were once one student: keyed by a 200-character printable form, the first two
# shared it (220 equal characters), and so did the last two (a control character, and its escape typed).
TWINS = {"s" * 220 + "1": True, "s" * 220 + "2": False, "kim\x01": True, "kim\\u0001": False}
SWAPPED = "swapped_mid_grading"  # hands in a wrong step 1, swapped for the right one while it is graded
FIRST = "# as handed in\n" + fill(1, MUTANTS["step1_from_zero"].bodies)


def _swapping(root: Path):
    """run_step, but the learner's step 1 of SWAPPED is replaced by the right answer the moment the
    grader runs the file as first handed in: a file changed while its submission is graded."""
    real = grade.run_step

    def run_step(step, folder, *args):
        file = Path(folder) / step.filename
        if step.number == 1 and file.exists() and file.read_text().startswith("# as handed in"):
            (root / SWAPPED / step.filename).write_text(SOLUTIONS[1])
        return real(step, folder, *args)

    return run_step


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("grades") / "out"
    honest = write_submission(root / "honest", SOLUTIONS)
    # Files that would break everything if they were imported instead of the real libraries.
    (honest / "keras.py").write_text("raise SystemExit('fake keras')\n")
    (honest / "numpy.py").write_text("raise SystemExit('fake numpy')\n")
    write_submission(root / "one_mistake_each", {MUTANTS[n].step: MUTANTS[n] for n in ONE_MISTAKE_PER_STEP})
    for name, answers in attackers(out).items():
        write_submission(root / name, answers)
    (root / "notebook").mkdir()
    shutil.copy(ROOT / "course" / "source" / "keras01" / "keras01.ipynb", root / "notebook")
    (root / "broken_notebook").mkdir()
    (root / "broken_notebook" / "keras01.ipynb").write_text('{"cells": [')
    (root / "empty").mkdir()
    (root / "notebook_try_it").mkdir()
    shutil.copy(ROOT / "course" / "source" / "keras01" / "keras01.ipynb", root / "notebook_try_it")
    add_try_it(root / "notebook_try_it" / "keras01.ipynb")
    for name, right in TWINS.items():
        write_submission(root / name, {1: SOLUTIONS[1] if right else MUTANTS["step1_from_zero"]})
    write_submission(root / SWAPPED, {1: FIRST})
    for name in [*TWINS, SWAPPED]:
        for step in STEPS[1:]:
            (root / name / step.filename).unlink()  # step 1 only: cheap to grade
    with mock.patch("autograder.grading.grade.run_step", _swapping(root)):
        run = grade_class(root, out, workers=2, timeout=45, lang="en")
    return root, out, run


def expected_points() -> dict[str, dict[int, int]]:
    mistakes = {MUTANTS[n].step: len(MUTANTS[n].fails) for n in ONE_MISTAKE_PER_STEP}
    zero = {s: 0 for s in MAX}
    step1 = {s: 0 for s in MAX}
    twins = {name: step1 | {1: MAX[1] if right else MAX[1] - mistakes[1]} for name, right in TWINS.items()}
    return twins | {
        SWAPPED: step1 | {1: MAX[1] - mistakes[1]},  # what was hashed: the file as first handed in
        "honest": dict(MAX),
        "notebook": dict(MAX),
        "notebook_try_it": dict(MAX),  # try-it lines under each answer cost nothing (nbgrader: 25/25 too)
        "one_mistake_each": {s: MAX[s] - mistakes[s] for s in MAX},
        "attacker_a": zero,
        "attacker_b": zero,
        "broken_notebook": zero,
        "empty": zero,
    }


def test_every_student_gets_exactly_the_points_their_answers_earn(graded):
    _, out, run = graded
    grades = json.loads((out / "grades.json").read_text())
    assert grades["steps"] == {str(s): m for s, m in MAX.items()}
    for student, points in expected_points().items():
        row = grades["students"][student]
        assert row["steps"] == {str(s): p for s, p in points.items()}, (student, row)
        assert row["total"] == sum(points.values())


def test_each_attack_fails_with_a_readable_reason(graded):
    _, out, _ = graded
    reasons = {
        s: json.loads((out / "grades.json").read_text())["students"][s]["reasons"]
        for s in ("attacker_a", "attacker_b")
    }
    a, b = "\n".join(reasons["attacker_a"]), "\n".join(reasons["attacker_b"])
    assert "step 3: error while loading (SystemExit" in a
    assert "step 5: ended without a result" in a
    assert "step 1: timed out (45 s)" in b
    assert "step 2: error while loading (MemoryError" in b
    assert "step 3:" in b  # the fork bomb: stopped by the process limit or the time limit
    assert "step 4: FileNotFoundError" in b  # the grades folder is not even in its view
    feedback = (out / "feedback" / "attacker_a" / "feedback.md").read_text()
    assert "a History that model.fit did not return (made by hand?)" in feedback


def test_grades_file_was_not_overwritten_by_the_attacker(graded):
    _, out, _ = graded
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert set(rows) == {csv_cell(shown(student)) for student in expected_points()}
    assert rows["attacker_b"]["total"] == "0"
    assert rows["honest"]["total"] == str(sum(MAX.values()))


def test_status_says_which_submissions_could_not_run(graded):
    _, out, run = graded
    statuses = {r.student: r.status for r in run.results}
    assert statuses["honest"] == statuses["notebook"] == statuses["one_mistake_each"] == "graded"
    assert statuses["notebook_try_it"] == "graded"
    for student in ("attacker_a", "attacker_b", "broken_notebook", "empty"):
        assert statuses[student] == "failed", student
    grades = json.loads((out / "grades.json").read_text())["students"]
    assert "not a readable notebook" in grades["broken_notebook"]["reasons"][0]
    assert "no step files" in grades["empty"]["reasons"][0]


def test_feedback_per_student_with_loss_curve_and_no_hidden_check_code(graded):
    _, out, _ = graded
    hidden_code = [
        line.strip()
        for path in (ROOT / "autograder" / "checks" / "hidden").glob("step*.py")
        for line in path.read_text().splitlines()
        if line.strip().startswith(("def ", "assert ", "ok = ", "if ", "@check"))
    ]
    for student in expected_points():
        text = (out / "feedback" / student / "feedback.md").read_text()
        assert text.startswith(f"# keras01 results: {shown(student)}\n")
        assert not [line for line in hidden_code if line in text]
    assert (out / "feedback" / "honest" / "loss.png").stat().st_size > 1000


def test_folders_that_differ_anywhere_stay_different_students(graded):
    """Two names sharing their first 220 characters, a control character and its escape typed out:
    a row each in grades.json and grades.csv, a feedback folder each, told apart where shown."""
    _, out, _ = graded
    students = json.loads((out / "grades.json").read_text())["students"]
    assert set(TWINS) <= set(students)
    assert len({shown(name) for name in TWINS}) == len(TWINS)
    for name in TWINS:
        assert (out / "feedback" / name / "feedback.md").exists()


def test_a_file_swapped_while_it_is_graded_keeps_the_grade_of_the_bytes_hashed(graded, tmp_path):
    """The grade and the hash a rerun compares are both the snapshot's: the file as first handed in."""
    _, out, _ = graded
    row = json.loads((out / "grades.json").read_text())["students"][SWAPPED]
    assert row["steps"]["1"] == expected_points()[SWAPPED][1] < MAX[1]
    first = write_submission(tmp_path / "first", {1: FIRST})
    for step in STEPS[1:]:
        (first / step.filename).unlink()
    snapshot = Submission(SWAPPED, first).snapshot(tmp_path / "scratch")
    assert row["hash"] == Gradebook(tmp_path / "book", "en").fingerprint(snapshot)


def test_rerun_skips_unchanged_and_regrades_changed(graded):
    root, out, _ = graded
    write_submission(root / "empty", {1: (ROOT / "solutions" / "step1_data.py").read_text()})
    run = grade_class(root, out, workers=2, timeout=45, lang="en")
    # SWAPPED changed after its snapshot: graded again, now as it is on disk.
    assert sorted(run.skipped) == sorted(set(expected_points()) - {"empty", SWAPPED})
    grades = json.loads((out / "grades.json").read_text())["students"]
    assert grades["empty"]["steps"]["1"] == MAX[1] and grades["empty"]["status"] == "graded"
    assert grades[SWAPPED]["steps"]["1"] == MAX[1]
    assert grades["honest"]["total"] == sum(MAX.values())  # kept from the first run


def test_scores_go_into_the_nbgrader_gradebook(graded, tmp_path):
    """`--nbgrader COURSE_DIR`: one gradebook and one export for both graders."""
    import os
    import subprocess
    import sys

    from nbgrader.api import Gradebook

    from autograder.grading.nbgrader_sync import course_db_url, write_gradebook

    _, out, _ = graded
    course = tmp_path / "course"
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns("gradebook.db", "*.log"))
    env = {
        **os.environ,
        "KERAS_COURSE_GRADER_PATH": str(ROOT),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter"),
    }
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "keras01"], cwd=course, env=env, check=True
    )
    grades = json.loads((out / "grades.json").read_text())["students"]
    # The course grades only the students of its gradebook (`nbgrader db student import`).
    assert write_gradebook(course, out) == sorted(grades)
    with Gradebook(course_db_url(course)) as gradebook:
        for student in grades:
            gradebook.add_student(student)
    assert write_gradebook(course, out) == []
    with Gradebook(course_db_url(course)) as gradebook:
        for student, row in grades.items():
            submission = gradebook.find_submission("keras01", student)
            assert submission.score == row["total"], student
            assert submission.max_score == sum(MAX.values())


def test_loss_plots_drawn_from_parallel_workers_all_succeed(tmp_path):
    """Students are graded in threads; matplotlib is not thread-safe. Curves within one power of ten
    (epochs=10, a missing batch_size) once crashed the whole run from 4 threads: each fresh process
    here draws 8 of them at once, 3 times over."""
    script = f"""
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from autograder.grading.feedback import plot_loss
curves = [[5.0 - 0.03 * i - 0.1 * k for i in range(10)] for k in range(8)]
with ThreadPoolExecutor(8) as pool:
    list(pool.map(lambda k: plot_loss(curves[k], Path({str(tmp_path)!r}) / f"{{sys.argv[1]}}-{{k}}.png", "ko"), range(8)))
"""
    for run in range(3):
        done = subprocess.run(
            [sys.executable, "-c", script, str(run)], capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr[-2000:]
    assert len(list(tmp_path.glob("*.png"))) == 24


def test_a_step_the_grader_lost_is_never_kept_as_a_final_grade():
    """A lost step (its fork server died twice: tests/test_checks.py) makes the student 'failed' with
    no fingerprint, so a rerun grades them again, and says it was the grader's loss, not theirs."""
    from autograder.checks.report import assess
    from autograder.core.outcome import Outcome
    from autograder.sandbox.runner import lost

    outcomes = [lost(1, "the fork server ended"), *(Outcome(s.number, "not_done") for s in STEPS[1:])]
    result = grade._result(Submission("minji", Path("minji")), "abc", assess(outcomes), "en")
    assert result.status == "failed" and result.hash == ""
    assert (
        result.reasons[0] == "step 1: the grader lost this step (not the learner's doing): a rerun grades it"
    )
    honest = grade._result(
        Submission("minji", Path("minji")), "abc", assess(outcomes[1:] + [Outcome(1, "not_done")]), "en"
    )
    assert honest.hash == "abc"  # the control: the same student with nothing lost keeps its fingerprint
