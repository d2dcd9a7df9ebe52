"""A held-out class gets the same verdict for every check from every grader: `pytest DIR --hidden`,
`keras-course check --hidden --json` and `keras-course grade`. nbgrader autograde grades the same
students' notebooks in test_nbgrader.py against the same expected failures, so all four agree."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from autograder.checks.registry import all_checks
from autograder.core.steps import STEPS

from answers import MUTANTS, solution_answer, write_submission
from conftest import ROOT
from test_nbgrader import CLASS

CHECKS = all_checks(include_hidden=True)
BIN = Path(sys.executable).parent
OTHER_MISTAKES = [
    MUTANTS[n] for n in ("step2_relu", "step3_mae", "step4_default_batch", "step5_flat_predictions")
]
HELD_OUT = {
    **{student: CLASS[student] for student in ("minji", "junho", "seoyeon")},
    "dahye": (
        {1: solution_answer(1), **{m.step: m for m in OTHER_MISTAKES}},
        set().union(*(m.fails for m in OTHER_MISTAKES)),
    ),
}


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KERAS_COURSE_LANG"))}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def by_pytest(folder: Path) -> dict[str, bool]:
    for step in STEPS:
        shutil.copy(ROOT / "exercises" / step.checks_filename, folder / step.checks_filename)
    report = folder.parent / f"{folder.name}.xml"
    done = run(str(BIN / "pytest"), "-p", "no:cacheprovider", "-p", "no:xdist", str(folder), "--hidden",
               f"--junitxml={report}", cwd=folder.parent)  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    verdicts = {}
    for case in ElementTree.parse(report).iter("testcase"):
        check = next(p.get("value") for p in case.iter("property") if p.get("name") == "check")
        verdicts[check] = all(case.find(kind) is None for kind in ("failure", "error", "skipped"))
    return verdicts


def by_check(folder: Path) -> dict[str, bool]:
    done = run(str(BIN / "keras-course"), "check", str(folder), "--hidden", "--json", cwd=folder.parent)
    assert done.returncode in (0, 1), done.stderr
    return {c["id"]: c["passed"] for s in json.loads(done.stdout)["steps"] for c in s["checks"]}


def test_pytest_check_and_grade_give_every_check_the_same_verdict(tmp_path: Path) -> None:
    klass = tmp_path / "class"
    for student, (answers, _) in HELD_OUT.items():
        write_submission(klass / student, answers)
    with ThreadPoolExecutor(2) as pool:
        pytest_runs = {s: pool.submit(by_pytest, _copy(klass / s, tmp_path / "pytest" / s)) for s in HELD_OUT}
        check_runs = {s: pool.submit(by_check, klass / s) for s in HELD_OUT}
        done = run(
            str(BIN / "keras-course"), "grade", str(klass), "--out", str(tmp_path / "out"), cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
    graded = json.loads((tmp_path / "out" / "grades.json").read_text())["students"]
    points = {c.id: c.points for c in CHECKS}
    for student, (_, fails) in HELD_OUT.items():
        expected = {c.id: c.id not in fails for c in CHECKS}
        assert pytest_runs[student].result() == expected, student
        assert check_runs[student].result() == expected, student
        assert {i: p == points[i] for i, p in graded[student]["checks"].items()} == expected, student


def _copy(source: Path, target: Path) -> Path:
    return Path(shutil.copytree(source, target))
