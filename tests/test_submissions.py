"""How `grade` finds submissions and reads notebooks (no TensorFlow needed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.core.files import json_text, shown
from autograder.core.notebooks import NOTEBOOK_CAP, STATEMENTS_CAP
from autograder.core.steps import STEPS
from autograder.core.submissions import (
    STEP_FILE_CAP,
    InvalidSubmission,
    Submission,
    discover,
    notebook_to_steps,
    step_folder,
)

from answers import TRY_IT, add_try_it
from conftest import ROOT

NOTEBOOK = ROOT / "course" / "source" / "keras01" / "keras01.ipynb"


def test_discovers_step_folders_notebooks_and_the_nbgrader_layout(tmp_path):
    (tmp_path / "flat" / "ana").mkdir(parents=True)
    (tmp_path / "flat" / "ana" / "step1_data.py").write_text("")
    (tmp_path / "flat" / "ben").mkdir()
    shutil.copy(NOTEBOOK, tmp_path / "flat" / "ben" / "keras01.ipynb")
    (tmp_path / "flat" / ".hidden").mkdir()
    found = {s.student: s for s in discover(tmp_path / "flat")}
    assert set(found) == {"ana", "ben"}
    assert not found["ana"].is_notebook and found["ben"].is_notebook

    course = tmp_path / "course"
    (course / "submitted" / "cho" / "keras01").mkdir(parents=True)
    shutil.copy(NOTEBOOK, course / "submitted" / "cho" / "keras01" / "keras01.ipynb")
    [cho] = discover(course)
    assert cho.student == "cho" and cho.path.name == "keras01.ipynb"


def test_a_repository_is_read_from_its_exercises_folder_and_a_symlinked_one_is_refused(tmp_path):
    (tmp_path / "class" / "dana" / "exercises").mkdir(parents=True)
    (tmp_path / "class" / "dana" / "exercises" / "step1_data.py").write_text("")
    (tmp_path / "class" / "eve").mkdir()
    (tmp_path / "class" / "eve" / "exercises").symlink_to(tmp_path / "class" / "dana" / "exercises")
    found = {s.student: s for s in discover(tmp_path / "class")}
    assert found["dana"].path == tmp_path / "class" / "dana" / "exercises"
    assert found["eve"].path == tmp_path / "class" / "eve"  # another student's files, never followed
    with pytest.raises(InvalidSubmission, match="no step files"):
        step_folder(found["eve"], tmp_path / "scratch")


def test_a_notebook_becomes_step_files_of_imports_and_answer_cells_only(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("%matplotlib inline\nprint('scratch work, ignored')"))
    extra = nbformat.v4.new_code_cell("!pip install nothing\ndef helper():\n    return 1\n")
    extra.metadata["nbgrader"] = {"grade_id": "step3_extra", "solution": True, "grade": False}
    nb.cells.append(extra)
    path = tmp_path / "keras01.ipynb"
    nbformat.write(nb, path)
    notebook_to_steps(path, tmp_path / "steps")
    step2 = (tmp_path / "steps" / "step2_model.py").read_text()
    assert "from keras.layers import Dense" in step2 and "def build_model" in step2
    assert "assert_check" not in step2  # test cells are the grader's, not the learner's
    assert "scratch work" not in step2
    step3 = (tmp_path / "steps" / "step3_compile.py").read_text()
    assert "def compile_model" in step3 and "pip install" not in step3 and "def helper" not in step3


def test_a_step_file_keeps_what_its_functions_need_and_leaves_out_the_lines_that_try_them(tmp_path):
    """Names the functions read as globals are kept, transitively and in the notebook's order (a
    constant, a helper, a callback class and what it reads), whatever cell binds them; calls that bind
    nothing they read are left out; an answer cell Python cannot parse is kept whole (its step reports
    the syntax error); magics are commented out."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import functools\nimport numpy as np\nimport keras\nfrom autograder.learner import check"
        ),
        nbformat.v4.new_code_cell("EPOCHS = 100\nRATE = 0.001\nBATCH = EPOCHS // 100; unused = 1"),
        nbformat.v4.new_code_cell(
            "def make_data():\n    x = np.arange(1, 11)\n    return x, x\n\n\nx, y = make_data()\nprint(x)"
        ),
        nbformat.v4.new_code_cell(
            "class Keep(keras.callbacks.Callback):\n    rate = RATE\n\n\n"
            "@functools.cache\ndef settings():\n    return {'epochs': EPOCHS, 'batch_size': BATCH}\n\n\n"
            "def train_model(model, x, y):\n    history = model.fit(x, y, callbacks=[Keep()], **settings())\n"
            "    return history\n\n\n%time history = train_model(model, x, y)\nhistory = train_model(model, x, y)"
        ),
        nbformat.v4.new_code_cell("def evaluate_model(model, x, y)\n    return 1, 2\nmodel.summary()?"),
        nbformat.v4.new_code_cell("check(1)"),
    ]
    path = tmp_path / "mine.ipynb"
    nbformat.write(nb, path)
    notebook_to_steps(path, tmp_path / "steps")
    files = {p.name: p.read_text() for p in (tmp_path / "steps").iterdir()}
    assert set(files) == {"step1_data.py", "step4_train.py", "step5_evaluate.py"}
    for text in files.values():
        assert (
            "import numpy as np\nimport keras\n" in text
            and "autograder" not in text
            and "check(1)" not in text
        )
    assert "x, y = make_data()" not in files["step1_data.py"] and "print(x)" not in files["step1_data.py"]
    step4 = files["step4_train.py"]
    for kept in ("EPOCHS = 100", "RATE = 0.001", "BATCH = EPOCHS // 100", "class Keep", "@functools.cache"):
        assert kept in step4, kept
    for left_out in ("unused", "= train_model(", "def make_data"):
        assert left_out not in step4, left_out
    assert step4.index("EPOCHS = 100") < step4.index("class Keep") < step4.index("def train_model")
    compile(step4, "step4_train.py", "exec")
    assert "def evaluate_model(model, x, y)\n    return 1, 2\nmodel.summary()?" in files["step5_evaluate.py"]


def test_try_it_lines_under_every_answer_cell_are_left_out(tmp_path):
    """The reference answers with TRY_IT's lines under each (which name other steps' results): every
    step file still defines its functions and holds none of those lines (tests/test_grade.py grades it:
    full marks, as nbgrader gives)."""
    path = add_try_it(Path(shutil.copy(NOTEBOOK, tmp_path / "keras01.ipynb")))
    answers = {c.id: c.source for c in nbformat.read(path, as_version=4).cells if c.id.endswith("_answer")}
    assert all(TRY_IT[step.number] in answers[f"step{step.number}_answer"] for step in STEPS)
    notebook_to_steps(path, tmp_path / "steps")
    for step in STEPS:
        text = (tmp_path / "steps" / step.filename).read_text()
        assert all(f"def {function}(" in text for function in step.functions)
        tried = [line for lines in TRY_IT.values() for line in lines.splitlines()]
        assert not set(tried) & set(text.splitlines()), step.number


PARENT_PEAK = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # the machine is shared: fail, do not swap
from autograder.core.submissions import InvalidSubmission, notebook_to_steps
try:
    notebook_to_steps(Path(sys.argv[1]), Path(sys.argv[2]))
    print("ok")
except InvalidSubmission as exc:
    print(exc.reason("en"))
sys.path.insert(0, "tests")
from peak import high_water_mark  # VmHWM: ru_maxrss would count the forking pytest process too
print(high_water_mark())
"""


@pytest.mark.parametrize(
    ("lines", "in_answer", "expected"),
    [
        (3_300_000, True, "ok"),  # 16 MB in step 1's answer cell: its step file is over the cap, alone
        (3_300_000, False, "ok"),  # in a cell of its own: read past
        (300, False, "the notebook is over the limits the grader reads within (over 20000 statements)"),
    ],
)
def test_a_huge_notebook_is_read_with_bounded_memory_and_costs_its_student_only(
    tmp_path, lines, in_answer, expected
):
    """16 MB of `x=1` lines once took the grader to 8 GB in ast.parse: now the grader's own process
    stays small (a limited child reads the notebook), and a notebook over the caps is a reason."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    if in_answer:
        answer = next(cell for cell in nb.cells if cell.id == "step1_answer")
        answer.source += "\n" + "x=1\n" * lines
    elif lines > STATEMENTS_CAP:
        nb.cells.append(nbformat.v4.new_code_cell("x=1\n" * lines))
    else:  # many small cells: over the statement cap in all
        nb.cells += [nbformat.v4.new_code_cell("x=1\n" * lines) for _ in range(STATEMENTS_CAP // lines + 1)]
    path = tmp_path / "keras01.ipynb"
    path.write_text(
        json.dumps(nb)
    )  # each source one string, as a notebook may hold it (nbformat splits lines)
    assert path.stat().st_size < NOTEBOOK_CAP
    done = subprocess.run(
        [sys.executable, "-c", PARENT_PEAK, str(path), str(tmp_path / "steps")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    verdict, peak = done.stdout.splitlines()
    assert verdict == expected and int(peak) < 200 << 20, (verdict, int(peak) >> 20)
    if expected == "ok":
        written = {p.name: p.stat().st_size for p in (tmp_path / "steps").iterdir()}
        assert len(written) == 5 and (written["step1_data.py"] > STEP_FILE_CAP) == in_answer
    for lang, words in (("ko", "노트북이 채점기가 읽는 한도를 넘음"), ("en", "over the limits")):
        assert words in InvalidSubmission("notebook_too_large").reason(lang)


def test_a_snapshot_is_what_gets_graded_and_hashed(tmp_path):
    """The files are copied once, hashed as copied: later changes to the learner's folder change
    neither; a step file that is a symlink, a FIFO or too large is refused with its reason."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "step1_data.py").write_text("first = 1\n")
    (mine / "step2_model.py").symlink_to("/etc/passwd")
    os.mkfifo(mine / "step3_compile.py")
    with open(mine / "step4_train.py", "wb") as big:
        big.truncate(STEP_FILE_CAP + 1)
    snapshot = Submission("mine", mine).snapshot(tmp_path / "scratch")
    (mine / "step1_data.py").write_text("second = 2\n")
    assert snapshot.step_folder() == tmp_path / "scratch"
    assert (tmp_path / "scratch" / "step1_data.py").read_text() == "first = 1\n"
    assert snapshot.refused == {
        "step2_model.py": "step2_model.py: a symbolic link",
        "step3_compile.py": "step3_compile.py: not a regular file",
        "step4_train.py": f"step4_train.py: {STEP_FILE_CAP + 1} bytes (at most {STEP_FILE_CAP})",
    }
    again = Submission("mine", mine).snapshot(tmp_path / "again")
    assert again.digest != snapshot.digest
    (mine / "step1_data.py").write_text("first = 1\n")
    assert Submission("mine", mine).snapshot(tmp_path / "third").digest == snapshot.digest


def test_students_are_keyed_by_their_exact_folder_names(tmp_path):
    """Names that share 220 characters, differ in a control character, or hold a byte that is not
    UTF-8 are different students; `shown` tells them apart where they are displayed."""
    names = [
        "s" * 220 + "1",
        "s" * 220 + "2",
        "kim\x01",
        "kim\x02",
        "kim\\u0001",
        "kim" + os.fsdecode(b"\xff"),
    ]
    for name in names:
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "step1_data.py").write_text("")
    students = [s.student for s in discover(tmp_path / "class")]
    assert sorted(students) == sorted(names)
    assert len({shown(name) for name in names}) == len(names)
    assert all(shown(name).isprintable() for name in names)
    assert shown("kim\x01") == "kim\\u0001" and shown("kim\\u0001") == "kim\\\\u0001"
    assert json.loads(json_text(names)) == names  # a byte that is not UTF-8 survives grades.json


def test_an_invalid_notebook_is_a_clear_error(tmp_path):
    path = tmp_path / "keras01.ipynb"
    path.write_text(json.dumps({"cells": "nope"}))
    with pytest.raises(InvalidSubmission, match="not a readable notebook"):
        notebook_to_steps(path, tmp_path / "steps")


@pytest.mark.parametrize(
    ("lang", "unreadable", "empty"),
    [
        ("ko", "읽을 수 없는 노트북 (", "노트북도 없음"),
        ("en", "not a readable notebook (", "no notebook found"),
    ],
)
def test_a_submission_that_cannot_run_is_failed_with_a_reason_in_the_instructors_language(
    tmp_path, lang, unreadable, empty
):
    from autograder.grading.grade import grade_class

    (tmp_path / "class" / "broken").mkdir(parents=True)
    (tmp_path / "class" / "broken" / "keras01.ipynb").write_text("{not json")
    (tmp_path / "class" / "empty").mkdir()
    run = grade_class(tmp_path / "class", tmp_path / "out", workers=1, lang=lang)
    reasons = {result.student: result.reasons for result in run.results}
    assert [r.status for r in run.results] == ["failed", "failed"] and all(r.total == 0 for r in run.results)
    assert reasons["broken"][0].startswith(unreadable) and empty in reasons["empty"][0]
