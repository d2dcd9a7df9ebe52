"""How `grade` finds submissions and reads notebooks (no TensorFlow needed)."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from autograder.core.submissions import InvalidSubmission, discover, notebook_to_steps, step_folder

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
    assert "# !pip install nothing" in step3 and "def helper" in step3  # magics become comments


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
