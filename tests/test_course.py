"""The course's parts, each faster than the end-to-end class: the generated notebook, the test cells'
check module, the learner's `.py` release installed into a clean environment, `course init`, and
`nbgrader validate` as a learner runs it before submitting.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from autograder.authoring import layout, stubs
from autograder.authoring.layout import module_file
from autograder.authoring.nbgrader_notebook import ASSIGNMENT, NOTEBOOK, notebook_text
from autograder.checks.registry import all_checks
from autograder.core.steps import STEPS
from autograder.learner import kernel
from sitegen import build

from answers import MUTANTS, TUTORIAL, fill_notebook, solution_answer, write_submission
from conftest import ROOT
from leaks import HIDDEN, hidden_code, hidden_texts, solution_regions

CHECKS = all_checks(include_hidden=True)
PUBLIC = [c for c in CHECKS if not c.hidden]


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)


# --- the generated notebook ------------------------------------------------------------------


def test_notebook_is_generated_fresh_and_deterministically() -> None:
    assert build.targets()[NOTEBOOK] is notebook_text
    assert notebook_text() == notebook_text() == NOTEBOOK.read_text(encoding="utf-8")


def test_notebook_has_one_test_cell_per_check_with_its_points() -> None:
    nb = nbformat.reads(notebook_text(), as_version=4)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.id for c in graded] == [check.id.replace(".", "_") for check in CHECKS]
    for cell, check in zip(graded, CHECKS):
        assert cell.metadata.nbgrader["grade_id"] == cell.id and cell.id.startswith(f"step{check.step}_")
        assert cell.metadata.nbgrader["points"] == check.points and cell.metadata.nbgrader["locked"]
        assert f'assert_check("{check.id}", globals())' in cell.source
        assert ("### BEGIN HIDDEN TESTS" in cell.source) == check.hidden
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert [c.id for c in answers] == [f"step{s.number}_answer" for s in STEPS]
    for cell, step in zip(answers, STEPS):
        assert all(f"def {name}(" in cell.source for name in step.functions)
        assert cell.source.count("### BEGIN SOLUTION") == len(step.functions)
    assert all(not c.get("outputs") for c in nb.cells)


def test_setup_cell_is_read_only_and_silences_tensorflow_before_importing_it() -> None:
    setup = nbformat.reads(notebook_text(), as_version=4).cells[1]
    assert setup.metadata.nbgrader["locked"] and not setup.metadata.nbgrader["grade"]
    assert setup.source.index("TF_CPP_MIN_LOG_LEVEL") < setup.source.index("import keras")
    assert setup.source.index("TF_ENABLE_ONEDNN_OPTS") < setup.source.index("import keras")


# --- autograder.learner.kernel, in process ----------------------------------------------------


def noisy_make_data():  # a correct step 1 that writes to every stream a test cell could reach
    import logging
    import warnings

    import numpy as np

    print("stdout")
    print("stderr", file=sys.stderr)
    os.write(2, b"fd 2\n")
    warnings.warn("a warning", UserWarning, stacklevel=1)
    logging.getLogger("tensorflow").error("a log line")
    return np.arange(1, 11), np.arange(1, 11)


def test_a_passing_check_prints_one_line_and_nothing_on_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    kernel.clear_cache()
    assert kernel.assert_check("step1.arrays", {"make_data": noisy_make_data}) is None
    out, err = capfd.readouterr()
    assert err == ""
    assert (
        out.strip()
        == "✓ [step1.arrays] x와 y 두 개의 numpy 배열을 돌려줍니다 / returns two numpy arrays, x and y"
    )


def test_a_failing_check_says_what_and_why_in_korean_then_english() -> None:
    kernel.clear_cache()
    with pytest.raises(AssertionError) as failure:
        kernel.assert_check("step1.arrays", {"make_data": lambda: ([1, 2], [1, 2])})
    text = str(failure.value)
    assert text.index("기대한 것") < text.index("Expected: ") and "Found: (list, list)" in text
    assert failure.value._render_traceback_() == [f"CheckFailed: {text}"]  # IPython shows just this


def test_each_step_runs_once_until_a_function_or_what_it_uses_changes() -> None:
    kernel.clear_cache()
    namespace: dict = {"calls": []}  # a notebook's globals: cells define into it
    exec("import numpy as np\ndef helper():\n    return np.arange(1, 11)", namespace)
    exec("def make_data():\n    calls.append(1)\n    return helper(), helper()", namespace)
    for check in ("step1.arrays", "step1.shape", "step1.x_values"):
        kernel.assert_check(check, namespace)
    assert len(namespace["calls"]) == 1
    exec("def helper():\n    return np.arange(10)", namespace)  # the learner re-ran the helper's cell
    with pytest.raises(AssertionError):
        kernel.assert_check("step1.x_values", namespace)
    assert len(namespace["calls"]) == 2


def test_an_interrupted_step_fails_its_checks_as_a_timeout_at_once() -> None:
    """nbgrader interrupts a cell at its timeout: the step's other test cells must not hang again."""
    kernel.clear_cache()
    calls = []

    def make_data():
        calls.append(1)
        raise KeyboardInterrupt

    with pytest.raises(AssertionError, match="stopped after .* s without finishing"):
        kernel.assert_check("step1.arrays", {"make_data": make_data})
    with pytest.raises(AssertionError, match="fix the ✗ above first"):  # waits for that ✗, at once
        kernel.assert_check("step1.shape", {"make_data": make_data})
    assert len(calls) == 1


def test_a_missing_check_fails_loudly() -> None:
    with pytest.raises(kernel.CheckNotInstalled, match="checks/hidden/ is missing"):
        kernel.assert_check("step9.nothing", {})


def test_test_cells_in_a_real_kernel_write_nothing_to_stderr(tmp_path: Path) -> None:
    """The tutorial's Keras 2 code warns about input_dim and prints a summary: no cost, no clutter."""
    source = nbformat.reads(notebook_text(), as_version=4)
    keep = {"setup", "step1_answer", "step1_arrays", "step2_answer", "step2_sequential", "step2_linear"}
    nb = nbformat.v4.new_notebook(metadata=source.metadata)
    nb.cells = [cell for cell in source.cells if cell.id in keep]
    for cell in nb.cells:  # as released: nbgrader's stubs in the answer cells
        if cell.id.endswith("_answer"):
            cell.source = stubs.stub_source(cell.source)
    path = tmp_path / "part.ipynb"
    nbformat.write(nb, path)
    fill_notebook(path, {1: MUTANTS["step1_lists"], 2: TUTORIAL[2]})
    nb = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(tmp_path)}}
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True, resources=resources).execute()
    outputs = {cell.id: cell.outputs for cell in nb.cells}
    assert all(o.get("name") != "stderr" for cell in nb.cells for o in cell.outputs)
    for passed in ("step2_sequential", "step2_linear"):
        assert [o.output_type for o in outputs[passed]] == ["stream"], outputs[passed]
    (error,) = outputs["step1_arrays"]
    assert error.ename == "CheckFailed" and error.traceback == [f"CheckFailed: {error.evalue}"]


# --- the learner's .py release -------------------------------------------------------------------


@dataclass(frozen=True)
class Learner:
    release: Path  # what `keras-course release` wrote
    python: Path  # a fresh environment with only that release installed (TensorFlow borrowed)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        return {**env, "PATH": f"{self.python.parent}{os.pathsep}{env.get('PATH', '')}"}


@pytest.fixture(scope="module")
def learner(tmp_path_factory: pytest.TempPathFactory) -> Learner:
    root = tmp_path_factory.mktemp("learner")
    done = run([sys.executable, "-m", "autograder.cli", "release", str(root / "release")], cwd=root)
    assert done.returncode == 0, done.stderr
    # A virtualenv that sees this one's packages through a plain path, not its .pth files: so the
    # editable install of the full keras-course (hidden checks included) is invisible there.
    run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], cwd=root)
    python = root / "venv" / "bin" / "python"
    site = run([str(python), "-c", "import site; print(site.getsitepackages()[0])"], cwd=root).stdout.strip()
    (Path(site) / "keras-course-deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    copy = shutil.copytree(root / "release", root / "to-install")  # pip builds in the tree it installs
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    done = run([*install, "--no-deps", "--no-build-isolation", "--no-index", str(copy)], cwd=root)
    assert done.returncode == 0, done.stderr
    return Learner(root / "release", python)


def test_release_holds_stubs_and_public_checks_and_nothing_secret(learner: Learner) -> None:
    files = {str(p.relative_to(learner.release)) for p in learner.release.rglob("*") if p.is_file()}
    assert {f"exercises/{s.filename}" for s in STEPS} | {"exercises/README.md", "pyproject.toml"} <= files
    assert {f"exercises/{s.checks_filename}" for s in STEPS} <= files
    assert {"README.md", "LICENSE"} <= files
    # The learners' wheel, built from the same package files (its contents: tests/test_learner_wheel.py).
    assert [f for f in files if f.startswith("dist/")] == ["dist/keras_course_learner-0.1.0-py3-none-any.whl"]
    files.remove("dist/keras_course_learner-0.1.0-py3-none-any.whl")
    # The package's files are exactly what its folders declare learner-facing (autograder.authoring.layout).
    declared = {module_file(m).relative_to(ROOT).as_posix() for m in layout.learner_modules()}
    assert {f for f in files if f.startswith("autograder/")} == declared
    assert {
        "autograder/cli.py",
        "autograder/checks/public/step1.py",
        "autograder/learner/watch.py",
    } <= declared
    assert not [f for f in files if f.startswith(("autograder/checks/hidden", "autograder/grading"))]
    for name in sorted(files):
        text = (learner.release / name).read_text(encoding="utf-8")
        for secret in [
            "BEGIN SOLUTION",
            *solution_regions(),
            *hidden_code(),
            *hidden_texts(),
            *(c.id for c in HIDDEN),
        ]:
            assert secret not in text, (name, secret)
    for step in STEPS:  # the stubs are generated afresh, with the learners' header
        stub = (learner.release / "exercises" / step.filename).read_text(encoding="utf-8")
        assert stub == stubs.stub_file(step.module)


# A path a comment names (a folder/ or a file.py), and the maintainers' own tools.
NAMED_PATH = re.compile(r"[\w.-]+(?:/[\w.-]*)+|[\w-]+\.(?:py|ipynb|md|toml)\b", re.ASCII)


def named_paths(text: str) -> set[str]:
    return set(NAMED_PATH.findall(text))


def test_the_released_files_headers_name_only_what_the_release_holds(learner: Learner) -> None:
    """A learner reads the stubs' headers: every path they name is in the release (or beside the file),
    they say how to check the step, and they name no maintainers' tool the release lacks."""
    assert named_paths("# edit solutions/step1_data.py and run `make build`") == {"solutions/step1_data.py"}
    exercises = learner.release / "exercises"
    for path in sorted(exercises.glob("*.py")):
        header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(True)
                         if line.startswith("#"))  # fmt: skip
        named = named_paths(header)
        missing = {n for n in named if not ((learner.release / n).exists() or (exercises / n).exists())}
        assert missing == set(), (path.name, missing)
        assert "make build" not in header and "Makefile" not in header, path.name
        step = int(path.name[4])
        assert f"keras-course check --step {step}" in header, path.name
    for step in STEPS:  # as many header lines as the repository's: error line numbers match the site's
        released = (exercises / step.filename).read_text(encoding="utf-8").splitlines()
        repository = stubs.stub_file(step.module, repository=True).splitlines()
        assert released[4:] == repository[4:] and released[:4] != repository[:4]
        assert "solutions/" in repository[0] and "make build" in repository[0]  # what the test would catch


def test_check_finds_the_exercises_from_the_release_folder_and_from_inside_exercises(
    learner: Learner,
) -> None:
    keras_course = str(learner.python.parent / "keras-course")
    for where in (learner.release, learner.release / "exercises"):
        done = run([keras_course, "check", "--step", "1", "--json"], cwd=where, env=learner.env())
        assert done.returncode == 1, (where, done.stderr)  # the untouched stub: not done yet
        report = json.loads(done.stdout)
        assert [(s["step"], s["status"]) for s in report["steps"]] == [(1, "not_done")], where


def test_watch_ships_in_the_installed_release(learner: Learner, tmp_path: Path) -> None:
    keras_course = str(learner.python.parent / "keras-course")
    done = run([keras_course, "watch", str(tmp_path / "nope")], cwd=learner.release, env=learner.env())
    assert done.returncode == 2 and "폴더가 없습니다" in done.stderr, done.stderr


def check_json(learner: Learner, folder: Path) -> dict:
    command = [
        str(learner.python.parent / "keras-course"),
        "check",
        str(folder),
        "--json",
        "--lang",
        "en",
        "--hidden",
    ]
    done = run(command, cwd=learner.release, env=learner.env())
    assert done.returncode in (0, 1), done.stderr
    assert "hidden checks are not installed here" in done.stderr
    return json.loads(done.stdout)


def test_check_runs_in_the_installed_release_on_stubs_and_on_answers(
    learner: Learner, tmp_path: Path
) -> None:
    where = run([str(learner.python), "-c", "import autograder; print(autograder.__file__)"], tmp_path)
    assert str(learner.python.parent.parent) in where.stdout  # the release, not this repository
    stubs = check_json(learner, learner.release / "exercises")
    assert (stubs["passed_steps"], stubs["score"]) == (0, 0)
    answers = write_submission(tmp_path / "answers", {s.number: solution_answer(s.number) for s in STEPS})
    solved = check_json(learner, answers)
    assert (solved["passed_steps"], solved["score"], solved["max"]) == (5, len(PUBLIC), len(PUBLIC))
    ran = {check["id"] for step in solved["steps"] for check in step["checks"]}
    assert ran == {c.id for c in PUBLIC}


def test_pytest_runs_the_public_checks_in_the_installed_release(learner: Learner) -> None:
    pytest_command = [str(learner.python), "-m", "pytest", "-p", "no:cacheprovider", "exercises/"]
    done = run([*pytest_command, "--hidden", "--lang", "en"], cwd=learner.release, env=learner.env())
    assert done.returncode == 1, done.stdout + done.stderr
    checks = all_checks(include_hidden=False)  # one ✗ per function; the others wait (skipped, not failed)
    public, steps = len(checks), len({(c.step, c.needs) for c in checks})
    assert (
        f"{steps} failed, {public - steps} skipped" in done.stdout
        and f"total: 0/{public} points" in done.stdout
    )
    assert "hidden checks are not installed here" in done.stdout + done.stderr


# GitHub Classroom's Python grader (classroom-resources/autograding-python-grader), as its runner
# works: every *_test.py under the repository, `pytest -s --tb=no FILES`, one result per node id; it
# looks each test up by name among the functions its file defines (to order them), and a passing
# test is worth max-score / number of tests. Not its code: the contract it holds us to.
CLASSROOM = r"""
import ast, json, sys
from pathlib import Path
import pytest

class Reporter:
    def __init__(self):
        self.passed = {}

    def pytest_collection_modifyitems(self, items):
        for item in items:
            tree = ast.parse(item.path.read_text(encoding="utf-8"))
            defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
            assert item.name in defined, f"{item.nodeid} is not a function its file defines"

    def pytest_runtest_logreport(self, report):
        name = ".".join(report.nodeid.split("::")[1:])
        if report.failed:
            self.passed[name] = False
        elif report.when == "call":
            self.passed.setdefault(name, True)

files = sorted(str(p) for p in Path(".").rglob("*_test.py"))
reporter = Reporter()
code = pytest.main(["-s", "--tb=no", "-p", "no:cacheprovider", *files], plugins=[reporter])
each = int(sys.argv[1]) / len(reporter.passed)
score = sum(each for ok in reporter.passed.values() if ok)
print(json.dumps({"code": int(code), "files": files, "tests": sorted(reporter.passed), "score": score}))
"""


def classroom_env(release: Path) -> dict[str, str]:
    """The environment the workflow gives the grader's step (`env:`), as GitHub passes it on."""
    workflow = yaml.safe_load(
        (release / ".github" / "workflows" / "classroom.yml").read_text(encoding="utf-8")
    )
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    grader = next(
        s for s in steps if s.get("uses", "").startswith("classroom-resources/autograding-python-grader")
    )
    return {k: str(v) for k, v in grader.get("env", {}).items()}


def classroom_grade(learner: Learner, repository: Path, max_score: int, workflow_env: bool = True) -> dict:
    env = {**learner.env(), **(classroom_env(learner.release) if workflow_env else {})}
    done = run([str(learner.python), "-c", CLASSROOM, str(max_score)], cwd=repository, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_github_classroom_grader_gives_the_solutions_full_points_and_a_mistake_part(
    learner: Learner, tmp_path: Path
) -> None:
    public = [c for c in all_checks(include_hidden=False)]
    workflow = (learner.release / ".github" / "workflows" / "classroom.yml").read_text(encoding="utf-8")
    assert "classroom-resources/autograding-python-grader@v1" in workflow
    assert (
        f"max-score: {sum(c.points for c in public)}" in workflow
        and "setup-command: pip install ." in workflow
    )

    repository = shutil.copytree(learner.release, tmp_path / "repository")
    for step in STEPS:
        shutil.copy(ROOT / "solutions" / step.filename, repository / "exercises" / step.filename)
    graded = classroom_grade(learner, repository, len(public))
    assert graded["files"] == [f"exercises/{s.checks_filename}" for s in STEPS]
    assert graded["tests"] == sorted(f"test_{c.id.replace('.', '_')}" for c in public)
    assert (graded["code"], graded["score"]) == (0, len(public))

    mutant = MUTANTS["step1_from_zero"]
    write_submission(tmp_path / "mistake", {1: mutant})
    shutil.copy(tmp_path / "mistake" / "step1_data.py", repository / "exercises" / "step1_data.py")
    graded = classroom_grade(learner, repository, len(public))
    public_fails = {c.id for c in public} & mutant.fails
    assert public_fails and graded["score"] == len(public) - len(public_fails)

    # An untouched step: one ✗ and its waiting checks ("–", skipped in pytest) all score 0 there,
    # because the workflow tells pytest so; without it, this grader counts each skip as a pass.
    shutil.copy(learner.release / "exercises" / "step2_model.py", repository / "exercises" / "step2_model.py")
    step2 = sum(c.step == 2 for c in public)
    graded = classroom_grade(learner, repository, len(public))
    assert graded["score"] == len(public) - len(public_fails) - step2
    graded = classroom_grade(learner, repository, len(public), workflow_env=False)
    assert graded["score"] == len(public) - len(public_fails) - 1


def test_a_hidden_test_cell_fails_loudly_where_hidden_checks_are_missing(
    learner: Learner, tmp_path: Path
) -> None:
    cell = (
        "import numpy as np\n"
        "from autograder.learner.kernel import assert_check\n"
        "def make_data():\n"
        "    return np.arange(1, 11), np.arange(1, 11)\n"
        "assert_check('step1.arrays', globals())\n"
        "assert_check('step2.layer_params', globals())\n"
    )
    done = run([str(learner.python), "-c", cell], cwd=tmp_path, env=learner.env())
    assert done.stdout.startswith("✓ [step1.arrays]")
    assert done.returncode != 0 and "CheckNotInstalled" in done.stderr
    assert "autograder/checks/hidden/ is missing" in done.stderr


# --- course/nbgrader_config.py ----------------------------------------------------------------

LOAD_CONFIG = """
import json, os, sys
from traitlets.config.loader import PyFileConfigLoader
config = PyFileConfigLoader("nbgrader_config.py", path=sys.argv[1]).load_config()
print(json.dumps({
    "course_id": config.CourseDirectory.course_id,
    "exchange": config.Exchange.root,
    "timeout": config.Execute.timeout,
    "shutdown": config.Execute.shutdown_kernel,
    "create_student": config.Autograde.create_student,
    "add_missing_cells": config.OverwriteCells.add_missing_cells,
    "pythonpath": os.environ.get("PYTHONPATH", "").split(os.pathsep)[0],
}))
"""


def test_config_reads_its_settings_from_the_environment(tmp_path: Path) -> None:
    env = {**os.environ, "KERAS_COURSE_EXCHANGE": str(tmp_path / "x"), "KERAS_COURSE_CELL_TIMEOUT": "17"}
    done = run([sys.executable, "-c", LOAD_CONFIG, str(ROOT / "course")], cwd=tmp_path, env=env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert json.loads(done.stdout) == {
        "course_id": "keras-course",
        "exchange": str(tmp_path / "x"),
        "timeout": 17,
        "shutdown": "immediate",
        "create_student": False,
        "add_missing_cells": True,
        "pythonpath": str(ROOT),  # grading kernels import the full package, hidden checks included
    }


def test_config_warns_on_every_command_when_hidden_checks_are_missing(
    learner: Learner, tmp_path: Path
) -> None:
    """Without them every hidden test cell scores zero and nbgrader still exits 0: say so loudly."""
    shutil.copy(ROOT / "course" / "nbgrader_config.py", tmp_path)  # outside the repository
    done = run([str(learner.python), "-c", LOAD_CONFIG, str(tmp_path)], cwd=tmp_path, env=learner.env())
    assert done.returncode == 0
    assert "hidden test cell will score zero" in done.stderr


# --- an nbgrader course set up elsewhere, and a learner validating before submitting -------------


@pytest.fixture(scope="module")
def released_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`keras-course course init`, then nbgrader's own generate_assignment there."""
    root = tmp_path_factory.mktemp("course-init")
    course = root / "my-course"
    command = [
        sys.executable,
        "-m",
        "autograder.cli",
        "course",
        "init",
        str(course),
        "--exchange",
        str(root / "x"),
    ]
    done = run(command, cwd=root)
    assert done.returncode == 0, done.stderr
    assert f"nbgrader generate_assignment {ASSIGNMENT}" in done.stdout
    config = (course / "nbgrader_config.py").read_text(encoding="utf-8")
    assert f"'grader_path': '{ROOT}'" in config and f"'exchange': '{root / 'x'}'" in config
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / "jupyter")}
    done = run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT], cwd=course, env=env)
    assert done.returncode == 0, done.stderr
    assert "hidden checks" not in done.stderr  # the config found them
    return course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def test_course_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("mine")
    done = run([sys.executable, "-m", "autograder.cli", "course", "init", "taken"], cwd=tmp_path)
    assert done.returncode == 2 and "--force" in done.stderr
    assert (tmp_path / "taken" / "file").read_text() == "mine"


def test_a_learner_validates_before_submitting(
    learner: Learner, released_notebook: Path, tmp_path: Path
) -> None:
    """`nbgrader validate` in the learner's environment: the visible tests name what fails and why."""
    path = tmp_path / released_notebook.name
    path.write_bytes(released_notebook.read_bytes())
    answers = {1: MUTANTS["step1_lists"], 2: solution_answer(2), 3: solution_answer(3), 5: solution_answer(5)}
    fill_notebook(path, answers)  # step 4 left as the stub
    env = {**learner.env(), "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter")}
    (tmp_path / "jupyter").mkdir()  # the learners' config a JupyterHub admin installs (instructor guide)
    shutil.copy(
        ROOT / "course" / "learner_nbgrader_config.json", tmp_path / "jupyter" / "nbgrader_config.json"
    )
    done = run([str(learner.python), "-m", "nbgrader", "validate", path.name], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr  # it exits 0 even when tests fail: read it
    step4 = [c.id for c in PUBLIC if c.step == 4]
    assert f"VALIDATION FAILED ON {1 + len(step4)} CELL(S)!" in done.stdout, done.stdout + done.stderr
    failed = [line.split('"')[1] for line in done.stdout.splitlines() if 'assert_check("' in line]
    assert failed == ["step1.arrays", *step4]
    assert (
        "기대한 것: `return x, y`: numpy 배열 두 개" in done.stdout and "Found: (list, list)" in done.stdout
    )
