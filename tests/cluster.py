"""A held-out class for the shard tests, and how to grade it through the real `keras-course` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.core.steps import STEPS

from answers import ALTERNATIVES, MUTANTS, TUTORIAL, write_submission
from conftest import ROOT

SOLUTIONS = {step.number: (ROOT / "solutions" / step.filename).read_text() for step in STEPS}
# Not test_grade's class: other mistakes, other correct spellings, a notebook, an empty folder.
HELD_OUT = {
    "ana": SOLUTIONS,
    "ben": TUTORIAL,
    "cho": {**SOLUTIONS, 1: MUTANTS["step1_y_doubled"], 3: MUTANTS["step3_mae"]},
    "dae": {**SOLUTIONS, 2: MUTANTS["step2_relu"], 5: MUTANTS["step5_flat_predictions"]},
    "eun": {**SOLUTIONS, 4: MUTANTS["step4_wrong_target"]},
    "fay": {**SOLUTIONS, 2: ALTERNATIVES["step2_list_tf_keras"], 3: ALTERNATIVES["step3_long_names"]},
    "gus": {1: SOLUTIONS[1]},  # only step 1 done: the other stubs raise NotImplementedError
    "hana": {**SOLUTIONS, 1: MUTANTS["step1_lists"], 4: MUTANTS["step4_default_batch"]},
}


def make_class(root: Path) -> Path:
    """HELD_OUT as folders of step files, plus a notebook answered by the course's source and an
    empty folder (a failed submission): ten students, created in an order that is not sorted."""
    for student in reversed(list(HELD_OUT)):
        write_submission(root / student, HELD_OUT[student])
    (root / "iris").mkdir()
    shutil.copy(ROOT / "course" / "source" / "keras01" / "keras01.ipynb", root / "iris")
    (root / "jay").mkdir()
    return root


def keras_course(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`keras-course ARGS` as an instructor types it (the venv's bin first on PATH)."""
    environment = {**os.environ, **(env or {})}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}"
    for variable in ("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"):
        if variable not in (env or {}):
            environment.pop(variable, None)
    return subprocess.run(
        ["keras-course", *args], capture_output=True, text=True, env=environment, cwd=ROOT, timeout=900
    )


def same_output(one: Path, other: Path) -> None:
    """Assert two grade folders hold the same grades (byte for byte) and the same feedback."""
    assert (one / "grades.csv").read_bytes() == (other / "grades.csv").read_bytes()
    assert _without_timing(one) == _without_timing(other), "grades.json"
    files = sorted(p.relative_to(one / "feedback") for p in (one / "feedback").rglob("*") if p.is_file())
    assert files == sorted(
        p.relative_to(other / "feedback") for p in (other / "feedback").rglob("*") if p.is_file()
    )
    for file in files:  # feedback.md, and loss.png (drawn without a timestamp)
        assert (one / "feedback" / file).read_bytes() == (other / "feedback" / file).read_bytes(), file
    assert json.loads((one / "grades.json").read_text())["students"]


def _without_timing(out: Path) -> str:
    """grades.json as written (its order too) less each student's grading time, which no two runs share."""
    data = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert sorted(data.pop("seconds")) == sorted(data["students"])  # every graded student was timed
    return json.dumps(data, ensure_ascii=False, indent=1)
