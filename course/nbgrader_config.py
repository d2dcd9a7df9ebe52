"""nbgrader configuration of the keras-course course. Run instructor commands from this folder:

    nbgrader db student import students.csv
    nbgrader generate_assignment keras01
    nbgrader release_assignment keras01
    nbgrader collect keras01 && nbgrader autograde keras01
    nbgrader generate_feedback keras01 && nbgrader export

`nbgrader autograde` (and the formgrader's Autograde button) run no learner code in a Jupyter kernel
here: the answer cells run in keras-course's sandbox and the test cells get the verdicts
(autograder.grading.nbgrader_autograde). Without this file nbgrader runs them as you, unsandboxed.

Paths and limits come from environment variables, with defaults that work in this folder:
KERAS_COURSE_ID, KERAS_COURSE_DB (an SQLAlchemy URL), KERAS_COURSE_EXCHANGE,
KERAS_COURSE_CELL_TIMEOUT (seconds per cell), KERAS_COURSE_GRADER_PATH (a folder holding the full
`autograder` package, hidden checks included, when the Python running nbgrader does not have it).
"""

import importlib.util
import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - traitlets defines get_config() when it loads this file

HERE = Path(__file__).resolve().parent
HIDDEN_CHECKS = Path("autograder", "checks", "hidden", "__init__.py")
# This folder's defaults; `keras-course course init` rewrites this one line. Environment variables win.
DEFAULTS = {"course_id": "keras-course", "exchange": "", "grader_path": ""}

c.CourseDirectory.course_id = os.environ.get("KERAS_COURSE_ID") or DEFAULTS["course_id"]
c.CourseDirectory.root = str(HERE)
c.CourseDirectory.db_url = os.environ.get("KERAS_COURSE_DB") or f"sqlite:///{HERE / 'gradebook.db'}"
# nbgrader's own default, /srv/nbgrader/exchange, needs root to create; a shared JupyterHub sets this.
c.Exchange.root = os.environ.get("KERAS_COURSE_EXCHANGE") or DEFAULTS["exchange"] or str(HERE / "exchange")

# nbgrader's default autograde list with its Execute (a Jupyter kernel running the submission as you,
# unsandboxed: it reads what you can read into the feedback, writes into your virtualenv and writes its
# own test outputs) replaced by the sandboxed grader. Where the sandbox cannot run, each notebook is
# refused, never run outside it. The same list as AUTOGRADE_PREPROCESSORS there (tests/test_nbgrader.py).
c.Autograde.autograde_preprocessors = [
    "autograder.grading.nbgrader_autograde.SandboxedTests",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# The kernel settings below apply where a kernel still runs: `nbgrader validate`, and nbgrader's own
# Execute when it is asked for on the command line (the benchmark's baseline).
# Step 4's test cell (the fit and its replay) takes about 10 s on an idle machine; under a full test run
# on 2 cores it took 31 s and once more than 60 s, which zeroed an honest student. A test cell that runs
# longer than this is interrupted (an endless loop costs only its step, and this wait) and scores zero.
c.Execute.timeout = int(os.environ.get("KERAS_COURSE_CELL_TIMEOUT", "120"))
c.Execute.startup_timeout = 120  # the kernel imports TensorFlow in the setup cell, not at start-up
# nbclient waits 4 s for a cell's last output after its reply, and nbgrader makes a longer wait a
# fatal error for the whole notebook: on a busy machine that failed whole validations and autogrades.
c.Execute.iopub_timeout = 60
c.Execute.shutdown_kernel = "immediate"  # saves 1-3 s a notebook

# Grade only students in the gradebook (`nbgrader db student import students.csv`).
c.Autograde.create_student = False
# Test cells a learner deleted are put back from the gradebook before grading.
c.OverwriteCells.add_missing_cells = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}


# nbgrader runs `alembic` from PATH when it creates the gradebook; without an activated virtualenv
# that fails half-way and leaves a gradebook with no version table. Use the one beside this Python.
if shutil.which("alembic") is None:
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def _grader_path() -> str | None:
    """Where the full `autograder` package (hidden checks included) lives, if not importable already."""
    explicit = os.environ.get("KERAS_COURSE_GRADER_PATH") or DEFAULTS["grader_path"]
    if explicit:
        return explicit
    repository = HERE.parent  # this folder inside the keras-course repository
    return str(repository) if (repository / HIDDEN_CHECKS).is_file() else None


def _put_first_on_pythonpath(path: str) -> None:
    """The grading kernels inherit this process's environment; this folder is never released."""
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != path]
    os.environ["PYTHONPATH"] = os.pathsep.join([path, *rest])
    if path not in sys.path:
        sys.path.insert(0, path)


GRADER_PATH = _grader_path()
if GRADER_PATH:
    _put_first_on_pythonpath(GRADER_PATH)
_package = importlib.util.find_spec("autograder")
if _package is None or not (Path(_package.origin).parent.parent / HIDDEN_CHECKS).is_file():
    # A missing module fails each hidden test cell, and nbgrader still exits 0: say so on every command.
    print(
        "keras-course: the hidden checks (autograder.checks.hidden) are not importable here; every "
        "hidden test cell will score zero. Install keras-course or set KERAS_COURSE_GRADER_PATH.",
        file=sys.stderr,
    )
