"""End to end: real nbgrader 0.9 on a temporary copy of course/, with a small class of students.

One class run, shared by the tests of this module (one xdist group, so one worker runs it once):
generate_assignment, release_assignment to a temporary exchange, fetch_assignment and submit as each
student (junho after the due date), collect; then both of the guide's grading routes on the same
submissions:

1. `nbgrader autograde` as the course's config sets it up (answer cells in the sandbox, never in a
   kernel), generate_feedback, release_feedback, export;
2. nbgrader's autograde results wiped (no submission in the gradebook, no autograded/ or feedback/),
   then the recommended route: `keras-course grade COURSE --nbgrader COURSE`, generate_feedback,
   release_feedback, export;
3. the control: the intruder's notebook once more through nbgrader's own Execute (a kernel, as the
   instructor), which must leak: it proves the leak checks of 1 and 2 can fail.

The class: the sample student list (course/students.csv) and `intruder`, whose notebook reads the
hidden checks, `solutions/` and /etc/shadow, writes a `.pth` into the venv and a file into the course,
patches the test cells' checker and forges test outputs and points; mallory submits without being in
the gradebook.

"Nothing of the hidden checks" means, in release/ and in the exchange: no hidden test code, no
hidden check's title, expectation or hint, and none of their judging code. The hidden cells' grade
ids (`step4_final_loss`) and points are visible: nbgrader needs the cells there to grade them. In
the feedback, a hidden cell shows its source, which is only `assert_check("step4.final_loss", ...)`,
and its verdict on that learner's own code (the same message `keras-course check --hidden` prints);
never the judging code (autograder/checks/hidden/) nor, for a learner who did not write it, a solution.
"""

from __future__ import annotations

import ast
import csv
import datetime
import fcntl
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from autograder.authoring.nbgrader_notebook import ASSIGNMENT, function_source
from autograder.authoring.stubs import stub_source
from autograder.checks.registry import all_checks
from autograder.core.steps import STEPS
from autograder.grading.nbgrader_autograde import AUTOGRADE_PREPROCESSORS, PLAIN_PREPROCESSORS
from autograder.sandbox.launch import unavailable_reason

from answers import MUTANTS, TUTORIAL, Answer, fill_notebook, solution_answer
from conftest import ROOT
from leaks import HIDDEN, hidden_code, hidden_texts, solution_regions

pytestmark = [
    pytest.mark.xdist_group("nbgrader"),
    pytest.mark.skipif(
        sys.platform != "linux" or unavailable_reason() is not None, reason="grading needs the sandbox"
    ),
]

CELL_TIMEOUT = 120  # the course's default (course/nbgrader_config.py says why): the control's kernel
CHECKS = all_checks(include_hidden=True)
MAX = sum(c.points for c in CHECKS)
STEP_IDS = {step.number: {c.id for c in CHECKS if c.step == step.number} for step in STEPS}

# One wrong answer per step, public and hidden failures mixed.
MUTANT_OF_STEP = {
    1: MUTANTS["step1_from_zero"],
    2: MUTANTS["step2_swapped_5_3"],
    3: MUTANTS["step3_no_metrics"],
    4: MUTANTS["step4_wrong_target"],
    5: MUTANTS["step5_predict_returns_input"],
}
# In step 5 (60 s, where step 4 has 120 s): both grading routes wait out its limit once.
ENDLESS_LOOP = Answer(5, {"evaluate_model": "while True:\n    pass"})

SOLUTIONS = {step.number: solution_answer(step.number) for step in STEPS}
# student -> (answers typed into the notebook, or "invalid" for a file that is not JSON; failing checks)
CLASS: dict[str, tuple[dict[int, Answer | None] | str, set[str]]] = {
    "minji": (SOLUTIONS, set()),
    "junho": (MUTANT_OF_STEP, set().union(*(m.fails for m in MUTANT_OF_STEP.values()))),
    "seoyeon": ({}, {c.id for c in CHECKS}),  # untouched stubs: every check raises
    # The tutorial's own Keras 2 code (its input_dim warning must not cost points), step 5 never ends.
    "jiwoo": ({**TUTORIAL, 5: ENDLESS_LOOP}, STEP_IDS[5]),
    "hyunwoo": ("invalid", {c.id for c in CHECKS}),
}
UNKNOWN_STUDENT = "mallory"  # submits, but is not in students.csv: never graded
INTRUDER = "intruder"  # in the gradebook; steps 2-5 honest, step 1 the attack (so step 1 scores 0)
LATE = "junho"  # submits after the due date; the course's late policy (here: zero) applies
GRADED = {**CLASS, INTRUDER: ({}, STEP_IDS[1])}
SUBMITTERS = [*GRADED]
SHADOW = Path("/etc/shadow")
PLANTED_PTH = "zz_keras_course_intruder.pth"  # a comment only: harmless if a control run leaves it
PLANTED_FILE = "planted-by-intruder.txt"


def _env(tmp: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("KERAS_COURSE_")}
    env.update(
        KERAS_COURSE_EXCHANGE=str(tmp / "exchange"),
        KERAS_COURSE_CELL_TIMEOUT=str(CELL_TIMEOUT),
        KERAS_COURSE_GRADER_PATH=str(ROOT),  # the copy is outside the repository
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),  # no user-level nbgrader config
        PYTHONDONTWRITEBYTECODE="1",
    )
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
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


# What Formgrader's Autograde button runs: NbGraderAPI.autograde, in one process (the Jupyter server's),
# with the course's config read as the formgrader's app reads it.
FORMGRADER_BUTTON = """
import json, sys
from nbgrader.apps.api import NbGraderAPI
from nbgrader.apps.baseapp import NbGrader
app = NbGrader()
app.initialize([])
result = NbGraderAPI(app.coursedir, parent=app).autograde(sys.argv[1], sys.argv[2])
print(json.dumps(result))
"""


# --- the intruder ----------------------------------------------------------------------------------


def site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def intruder_answer(course: Path) -> Answer:
    """Step 1's answer cell: an `_attack` that steals, plants and patches, run as the cell runs (in a
    kernel) and again by make_data (wherever step 1 runs: the grader keeps what the function needs),
    which raises what it stole. In a kernel all of it works; in the sandbox none of it may."""
    steal = [
        str(ROOT / "autograder" / "checks" / "hidden" / "*.py"),
        str(ROOT / "solutions" / "*.py"),
        str(SHADOW),
    ]
    plant = [str(site_packages() / PLANTED_PTH), str(course / PLANTED_FILE)]
    prelude = f"""
def _attack():
    import glob

    stolen = []
    for pattern in {steal!r}:
        for path in sorted(glob.glob(pattern)):
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    stolen.append(handle.read())
            except OSError as exc:
                stolen.append(repr(exc))
    for target in {plant!r}:
        try:
            with open(target, "w") as handle:
                handle.write("# planted by a hostile notebook\\n")
        except OSError as exc:
            stolen.append(repr(exc))
    try:  # every later test cell passes, whatever the answers
        import autograder.learner.kernel as kernel

        kernel.assert_check = lambda check_id, namespace=None: print("✓", check_id)
    except Exception as exc:
        stolen.append(repr(exc))
    return "\\n".join(stolen)


print(_attack())
"""
    return Answer(1, {"make_data": "raise RuntimeError(_attack())"}, prelude)


def forge_outputs(path: Path) -> None:
    """What a learner can put in the file itself: passing outputs in every test cell, a test cell's
    source emptied, points raised, a partial-credit result."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade"):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"✓ {meta['grade_id']}\n")]
            if meta["grade_id"] == "step1_arrays":
                cell.source, meta["points"] = "pass", 100
                cell.outputs.append(
                    nbformat.v4.new_output("execute_result", data={"text/plain": "100"}, execution_count=1)
                )
    nbformat.write(nb, path)


def write_answers(tmp: Path, course: Path) -> None:
    for student, (answers, _) in {**CLASS, UNKNOWN_STUDENT: (SOLUTIONS, set())}.items():
        path = tmp / "students" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        if answers == "invalid":
            path.write_text('{"cells": [ this is not JSON', encoding="utf-8")
        else:
            fill_notebook(path, answers)
    path = tmp / "students" / INTRUDER / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    fill_notebook(path, {**SOLUTIONS, 1: intruder_answer(course)})
    forge_outputs(path)


# --- what must not change, and what must not leak -----------------------------------------------------


def tree_state(root: Path, skip: tuple[str, ...] = ("__pycache__",)) -> dict[str, tuple[int, int]]:
    """Every file under `root` (but in `skip` folders): size and modification time."""
    state = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            path = Path(folder, name)
            try:
                info = path.lstat()
            except OSError:
                continue
            state[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return state


def shadow_line() -> str | None:
    try:
        first = SHADOW.read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError):
        return None  # not root: the intruder cannot read it either
    return first if len(first) > 8 else None


def stolen_secrets() -> list[str]:
    """What the intruder steals, as strings no learner's notebook holds: the hidden checks' judging
    code, solutions/ as files (their nbgrader markers), /etc/shadow's first line (when root)."""
    secrets = [*hidden_code(), "### BEGIN SOLUTION"]
    if line := shadow_line():
        secrets.append(line)
    return secrets


def files_text(root: Path) -> dict[Path, str]:
    """Every file under `root`, as text (a feedback page: tags stripped, entities decoded)."""
    texts = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        texts[path] = plain_text(text) if path.suffix == ".html" else text
    return texts


def plain_text(page: str) -> str:
    """A feedback page as text: tags stripped (pygments splits code into spans), entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def leaked(texts: dict[Path, str], secrets: list[str]) -> list[tuple[str, str]]:
    return [(str(path), secret[:60]) for path, text in texts.items() for secret in secrets if secret in text]


# --- the class run --------------------------------------------------------------------------------


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


def _forget_autograde(course: Path) -> None:
    """The gradebook and folders as `nbgrader collect` leaves them, before any autograde."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for submission in list(gradebook.assignment_submissions(ASSIGNMENT)):
            gradebook.remove_submission(ASSIGNMENT, submission.student.id)
    for folder in ("autograded", "feedback"):
        shutil.rmtree(course / folder)


def export(course: Path, env: dict[str, str], name: str) -> dict[str, dict[str, str]]:
    nbgrader(course, env, "export", "--to", name)
    with open(course / name, encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def cell_outputs(folder: Path) -> dict[str, dict[str, list[dict]]]:
    """student -> test cell id -> its outputs, from an autograded/ folder."""
    found = {}
    for path in sorted(folder.glob(f"*/{ASSIGNMENT}/{ASSIGNMENT}.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
        found[path.parent.parent.name] = {c.metadata.nbgrader.grade_id: c.outputs for c in cells}
    return found


def run_class(tmp: Path) -> dict[str, Any]:
    """The whole course, as the instructor guide shows it; returns what the tests look at."""
    course = tmp / "course"
    # A run killed during its control (step 3) leaves the control's .pth behind: it is this test's own.
    (site_packages() / PLANTED_PTH).unlink(missing_ok=True)
    shutil.copytree(ROOT / "course", course, ignore=shutil.ignore_patterns("gradebook.db", ".nbgrader.log"))
    for generated in ("release", "submitted", "autograded", "feedback", "exchange"):
        shutil.rmtree(course / generated, ignore_errors=True)
    with open(course / "students.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{INTRUDER},Intruder,Ian,\n")
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as handle:
        handle.write('\nc.LateSubmissionPlugin.penalty_method = "zero"  # the instructor\'s late policy\n')
    env = _env(tmp)
    times: dict[str, float] = {}
    run: dict[str, Any] = {"course": course, "exchange": tmp / "exchange", "times": times}

    def timed(name: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
        started = time.perf_counter()
        done = nbgrader(course, env, *args, ok=ok)
        times[name] = round(time.perf_counter() - started, 1)
        return done

    timed("import students", "db", "student", "import", "students.csv")
    timed("generate_assignment", "generate_assignment", ASSIGNMENT)
    timed("release_assignment", "release_assignment", ASSIGNMENT)
    students = [*GRADED, UNKNOWN_STUDENT]
    as_students(tmp, env, "fetch_assignment", students)
    write_answers(tmp, course)
    as_students(tmp, env, "submit", [s for s in students if s != LATE])
    time.sleep(1.1)  # nbgrader's timestamps have microseconds; one second apart is unambiguous
    due = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    time.sleep(1.1)
    as_students(tmp, env, "submit", [LATE])
    timed("collect", "collect", ASSIGNMENT)
    timed("due date", "db", "assignment", "add", ASSIGNMENT, f"--duedate={due}")

    venv = Path(sys.prefix)
    venv_before, course_before = tree_state(venv), tree_state(course / "source")
    run["planted_by"] = []

    def planted_after(route: str) -> None:  # which route planted, should one ever do it
        if (site_packages() / PLANTED_PTH).exists() or (course / PLANTED_FILE).exists():
            run["planted_by"].append(route)

    try:
        # 1. nbgrader autograde, as the course's config sets it up.
        run["autograde"] = timed("autograde", "autograde", ASSIGNMENT, ok=False)
        timed("generate_feedback", "generate_feedback", ASSIGNMENT)
        timed("release_feedback", "release_feedback", ASSIGNMENT)
        run["autograde_export"] = export(course, env, "by-autograde.csv")
        run["autograde_scores"] = _scores(course)
        run["autograde_cells"] = cell_outputs(course / "autograded")
        planted_after("nbgrader autograde")
        shutil.copytree(course / "autograded", tmp / "by-autograde" / "autograded")
        shutil.copytree(course / "feedback", tmp / "by-autograde" / "feedback")

        # 2. The recommended route, on a gradebook that no autograde has touched.
        _forget_autograde(course)
        started = time.perf_counter()
        run["grade"] = subprocess.run(
            [
                "keras-course",
                "grade",
                str(course),
                "--out",
                str(tmp / "grades"),
                "--nbgrader",
                str(course),
                "--lang",
                "en",
            ],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )
        times["keras-course grade --nbgrader"] = round(time.perf_counter() - started, 1)
        run["grades"] = json.loads((tmp / "grades" / "grades.json").read_text(encoding="utf-8"))
        run["grade_export"] = export(course, env, "by-grade.csv")
        run["grade_scores"] = _scores(course)
        run["grade_cells"] = cell_outputs(course / "autograded")
        planted_after("keras-course grade --nbgrader")
        timed("generate_feedback after grade", "generate_feedback", ASSIGNMENT)
        timed("release_feedback after grade", "release_feedback", ASSIGNMENT)
        run["feedback_pages"] = {
            page.parts[-3]: page.read_bytes() for page in (course / "feedback").glob(f"*/{ASSIGNMENT}/*.html")
        }
        run["released_pages"] = {
            p.read_bytes() for p in (tmp / "exchange" / "keras-course" / "feedback").glob("*.html")
        }
        # Formgrader's Autograde button: nbgrader's API in one process, as the Jupyter server runs it.
        started = time.perf_counter()
        button = [sys.executable, "-c", FORMGRADER_BUTTON, ASSIGNMENT, INTRUDER]
        run["button"] = subprocess.run(button, cwd=course, env=env, capture_output=True, text=True)
        times["Formgrader's Autograde button"] = round(time.perf_counter() - started, 1)
        run["button_scores"] = _scores(course)[INTRUDER]
        planted_after("Formgrader's Autograde button")
        run["sandboxed_texts"] = {
            **files_text(tmp / "by-autograde"),
            **files_text(course / "autograded"),
            **files_text(course / "feedback"),
            **files_text(tmp / "exchange"),
        }
        run["venv_changed"] = sorted(set(tree_state(venv).items()) ^ set(venv_before.items()))
        run["course_changed"] = tree_state(course / "source") != course_before
        run["planted"] = [p for p in (site_packages() / PLANTED_PTH, course / PLANTED_FILE) if p.exists()]

        # 3. The control: the intruder through nbgrader's own Execute, in a kernel as the instructor.
        plain = f"--Autograde.autograde_preprocessors={json.dumps(PLAIN_PREPROCESSORS)}"
        run["control"] = timed("control", "autograde", ASSIGNMENT, f"--student={INTRUDER}", "--force", plain)
        timed("control feedback", "generate_feedback", ASSIGNMENT, f"--student={INTRUDER}", "--force")
        run["control_scores"] = _scores(course)[INTRUDER]
        run["control_texts"] = {
            **files_text(course / "autograded" / INTRUDER),
            **files_text(course / "feedback" / INTRUDER),
        }
        run["control_planted"] = [
            p for p in (site_packages() / PLANTED_PTH, course / PLANTED_FILE) if p.exists()
        ]
        # 4. Where the sandbox cannot run (here: no bubblewrap on PATH), autograde refuses, never falls back.
        no_bwrap = {**env, "PATH": str(Path(sys.executable).parent)}
        refuse = [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--student=minji", "--force"]
        run["refused"] = subprocess.run(refuse, cwd=course, env=no_bwrap, capture_output=True, text=True)
        run["refused_scores"] = _scores(course)["minji"]
        run["refused_notebook"] = (course / "autograded" / "minji" / ASSIGNMENT).exists()
    finally:
        (site_packages() / PLANTED_PTH).unlink(missing_ok=True)  # the control's, if it got that far
    return run


@pytest.fixture(scope="module")
def class_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    started = time.perf_counter()
    # The control plants into this venv on purpose: a second class run at the same time (one full run
    # was seen running this fixture on both xdist workers) would read it as planted by its sandbox.
    lock = (
        Path(tempfile.gettempdir())
        / f"keras-course-nbgrader-{hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]}.lock"
    )
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        run = run_class(tmp_path_factory.mktemp("nbgrader"))
    print(json.dumps({**run["times"], "total": round(time.perf_counter() - started, 1)}))
    return run


def expected_scores(fails: set[str]) -> dict[str, float]:
    return {c.id.replace(".", "_"): 0.0 if c.id in fails else float(c.points) for c in CHECKS}


def by_step(scores: dict[str, float]) -> dict[int, float]:
    return {
        step.number: sum(v for k, v in scores.items() if k.startswith(f"step{step.number}_"))
        for step in STEPS
    }


# --- the tests --------------------------------------------------------------------------------------


def test_the_course_config_replaces_only_nbgraders_execute() -> None:
    """The config's list is ours, and ours is nbgrader's own default with Execute swapped (read without
    running the config: loading it changes this process's PYTHONPATH)."""
    from nbgrader.converters import Autograde

    tree = ast.parse((ROOT / "course" / "nbgrader_config.py").read_text(encoding="utf-8"))
    assigned = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and ast.unparse(node.targets[0]) == "c.Autograde.autograde_preprocessors"
    ]
    assert assigned == [AUTOGRADE_PREPROCESSORS]
    default = [f"{p.__module__.rsplit('.', 1)[0]}.{p.__name__}" for p in Autograde().autograde_preprocessors]
    assert default == PLAIN_PREPROCESSORS


def test_every_test_cell_gets_the_graders_output_and_nothing_else_survives() -> None:
    """A learner's saved outputs are dropped everywhere, even with the preprocessor disabled (as
    `--no-execute` disables nbgrader's); a test cell of no known check fails; a check the recorded run
    did not report fails; a passed one prints its line."""
    from autograder.grading.nbgrader_autograde import RecordedTests

    nb = nbformat.read(ROOT / "course" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ forged\n")]
    stray = nbformat.v4.new_code_cell("pass", id="stray")
    stray.metadata = {"nbgrader": {"grade": True, "solution": False, "grade_id": "step9_forged", "points": 9}}
    nb.cells.append(stray)
    passed, failed = CHECKS[0], CHECKS[1]
    row = {"checks": {passed.id: passed.points, failed.id: 0}, "messages": {failed.id: "\n[x] why"}}
    preprocessor = RecordedTests(students={"s": row}, enabled=False)
    nb, _ = preprocessor(nb, {"nbgrader": {"student": "s"}})
    outputs = {c.id: c.outputs for c in nb.cells if c.cell_type == "code"}
    assert outputs[passed.id.replace(".", "_")][0]["text"].startswith(f"✓ [{passed.id}]")
    assert outputs[failed.id.replace(".", "_")][0]["evalue"] == "\n[x] why"
    for check in CHECKS[2:]:  # not in the row: failed, never passed
        assert outputs[check.id.replace(".", "_")][0]["output_type"] == "error", check.id
    assert outputs["stray"][0]["output_type"] == "error" and "step9_forged" in outputs["stray"][0]["evalue"]
    assert all(outputs[c] == [] for c in ("setup", "step1_answer"))


def test_autograde_scores_every_check_from_the_sandbox(class_run: dict[str, Any]) -> None:
    course, autograde = class_run["course"], class_run["autograde"]
    log = autograde.stdout + autograde.stderr
    # The invalid notebook and the unknown student are reported; the batch goes on without them.
    assert autograde.returncode != 0
    assert "There was an error processing assignment 'keras01' for student 'hyunwoo'" in log
    assert f"No student with ID '{UNKNOWN_STUDENT}' exists in the database" in log
    # No kernel ever started (ipykernel says it starts on stderr): each notebook was graded in the sandbox.
    assert "IPKernelApp" not in log and "IPKernelApp" not in class_run["grade"].stderr
    for student, (answers, _) in GRADED.items():
        if answers != "invalid":
            assert f"Graded {student} in the sandbox" in log, student
    graded = set(class_run["autograde_cells"])
    assert graded == {s for s, (answers, _) in GRADED.items() if answers != "invalid"}
    scores = class_run["autograde_scores"]
    for student, (answers, fails) in GRADED.items():
        if answers == "invalid":
            continue
        expected = expected_scores(fails)
        assert by_step(scores[student]) == by_step(expected), student
        assert scores[student] == expected, student
    assert UNKNOWN_STUDENT not in scores
    # jiwoo's endless loop costs step 5 only: its first cell says why, the others wait for it.
    said = []
    for cell_id, outputs in class_run["autograde_cells"]["jiwoo"].items():
        if cell_id.startswith("step5_"):
            error = " ".join(o.get("evalue", "") for o in outputs if o.output_type == "error")
            assert "stopped after" in error or "fix the ✗ above first" in error, (cell_id, outputs)
            said.append("stopped after" in error)
    assert any(said), class_run["autograde_cells"]["jiwoo"]
    assert (course / "feedback" / "minji" / ASSIGNMENT / f"{ASSIGNMENT}.html").is_file()


def test_both_routes_give_the_same_cells_and_scores(class_run: dict[str, Any]) -> None:
    """`grade --nbgrader` and the sandboxed autograde: the same outputs in every test cell, the same
    points per check, and grades.json's points; the honest totals are the check library's."""
    assert class_run["grade_cells"] == class_run["autograde_cells"]
    assert class_run["grade_scores"] == class_run["autograde_scores"]
    for student, row in class_run["grades"]["students"].items():
        if student in class_run["grade_scores"]:
            expected = {check.replace(".", "_"): float(points) for check, points in row["checks"].items()}
            assert class_run["grade_scores"][student] == expected, student


def test_grade_nbgrader_records_times_late_penalties_and_feedback(class_run: dict[str, Any]) -> None:
    from nbgrader.utils import parse_utc

    course, grade = class_run["course"], class_run["grade"]
    said = " ".join(grade.stderr.split())  # rich wraps lines
    assert grade.returncode == 1, grade.stderr[-3000:]  # hyunwoo's notebook cannot be read
    assert f"nbgrader: {len(GRADED) - 1} notebooks autograded" in said, said[-3000:]
    assert "could not autograde: hyunwoo" in said
    assert f"left out (add them with nbgrader db student add): {UNKNOWN_STUDENT}" in said
    assert f"late: {LATE} (" in said
    for name in ("grade_export", "autograde_export"):
        rows = class_run[name]
        assert set(rows) == set(GRADED), name  # mallory is not in the gradebook
        for student in SUBMITTERS:
            submitted = course / "submitted" / student / ASSIGNMENT / "timestamp.txt"
            stamp = parse_utc(submitted.read_text(encoding="utf-8").strip())
            assert rows[student]["timestamp"], (name, student)
            assert parse_utc(rows[student]["timestamp"]) == stamp, (name, student)
            raw, penalty = float(rows[student]["raw_score"]), float(rows[student]["late_submission_penalty"])
            if student == LATE:  # "zero": the whole score
                assert raw > 0 and penalty == raw and float(rows[student]["score"]) == 0, (
                    name,
                    rows[student],
                )
            else:
                assert penalty == 0 and float(rows[student]["score"]) == raw, (name, rows[student])
    # generate_feedback found the autograded notebooks; release_feedback put each page in the exchange.
    pages = class_run["feedback_pages"]
    assert set(pages) == {s for s, (answers, _) in GRADED.items() if answers != "invalid"}
    for student, page in pages.items():
        assert page in class_run["released_pages"], student


def test_the_intruder_gets_nothing_through_the_sandbox(class_run: dict[str, Any]) -> None:
    """Nothing stolen in any autograded notebook, feedback page or the exchange, after both routes;
    nothing planted; its points are the sandbox's: steps 2-5 earned, step 1 none, forgeries ignored."""
    texts = class_run["sandboxed_texts"]
    assert len(texts) > 30 and not leaked(texts, stolen_secrets())
    assert class_run["planted"] == [], class_run["planted_by"]
    assert class_run["venv_changed"] == [] and not class_run["course_changed"]
    # The attack did run, in the sandbox: make_data raised what _attack found, nothing but errors.
    first = class_run["autograde_cells"][INTRUDER][sorted(STEP_IDS[1])[0].replace(".", "_")]
    error = first[0]["evalue"]
    assert "RuntimeError" in error and ("FileNotFoundError" in error or "PermissionError" in error), error
    expected = expected_scores(STEP_IDS[1])
    assert class_run["autograde_scores"][INTRUDER] == expected
    assert class_run["grade_scores"][INTRUDER] == expected
    assert class_run["grades"]["students"][INTRUDER]["total"] == sum(expected.values())


def test_formgraders_button_grades_in_the_sandbox_too(class_run: dict[str, Any]) -> None:
    done = class_run["button"]
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["success"], result
    assert f"Graded {INTRUDER} in the sandbox" in result["log"] and "IPKernelApp" not in done.stderr
    assert class_run["button_scores"] == expected_scores(STEP_IDS[1])


def test_without_the_sandbox_autograde_refuses_and_runs_nothing(class_run: dict[str, Any]) -> None:
    """No bubblewrap: the notebook is not graded (nbgrader reports why, in both languages), its earlier
    grades stay, and no kernel runs it instead."""
    done = class_run["refused"]
    log = done.stdout + done.stderr
    assert done.returncode != 0
    assert "SandboxRefused" in log and "샌드박스를 쓸 수 없어" in log and "The sandbox cannot run" in log
    assert "bubblewrap is not installed" in log and "IPKernelApp" not in log
    assert not class_run["refused_notebook"]  # nbgrader removed the failed notebook
    assert class_run["refused_scores"] == expected_scores(set())


def test_the_control_shows_the_leak_checks_can_fail(class_run: dict[str, Any]) -> None:
    """The same notebook through nbgrader's own Execute: it runs as the instructor, reads the secrets into
    the feedback, plants its files and gives itself full marks."""
    log = class_run["control"].stdout + class_run["control"].stderr
    assert "in the sandbox" not in log and "IPKernelApp" in log, log[-3000:]
    found = {secret for _, secret in leaked(class_run["control_texts"], stolen_secrets())}
    assert {s[:60] for s in hidden_code()} <= found
    assert "### BEGIN SOLUTION" in found
    if line := shadow_line():
        assert line[:60] in found
    assert len(class_run["control_planted"]) == 2
    assert sum(class_run["control_scores"].values()) == MAX


def test_the_release_holds_nothing_hidden(class_run: dict[str, Any]) -> None:
    course, exchange = class_run["course"], class_run["exchange"]
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


def test_the_feedback_shows_verdicts_not_checks(class_run: dict[str, Any]) -> None:
    course = class_run["course"]
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
        text = plain_text((folder / f"{ASSIGNMENT}.html").read_text(encoding="utf-8"))
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


def test_the_export_holds_every_student(class_run: dict[str, Any]) -> None:
    """The CSV holds every student of the gradebook, with the check library's totals."""
    rows = class_run["grade_export"]
    for student, (_, fails) in GRADED.items():
        assert float(rows[student]["raw_score"]) == sum(expected_scores(fails).values()), student
        assert float(rows[student]["max_score"]) == MAX


def test_the_sample_class_is_the_sample_student_list() -> None:
    with open(ROOT / "course" / "students.csv", encoding="utf-8") as handle:
        assert {row["id"] for row in csv.DictReader(handle)} == set(CLASS)
