"""The versions grades depend on (autograder/grading/versions.py): constraints.txt made from the
calibration and stale when it differs, installs that honour it, a grader version that names them (a
rerun under other versions regrades), and `grade`'s warning when they are not the calibrated ones.
(`merge` refusing parts graded under other versions: tests/test_shards.py.)"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from autograder.authoring import release
from autograder.core.submissions import discover
from autograder.grading import calibrate, commands, grade, versions
from autograder.grading.grade import Gradebook
from sitegen import build

from answers import write_submission
from conftest import ROOT

CALIBRATED = json.loads((ROOT / "autograder" / "calibration.json").read_text(encoding="utf-8"))[
    "measured_with"
]


def test_the_calibration_names_the_versions_it_was_measured_with() -> None:
    assert {"tensorflow", "keras", "numpy", "python", "machine"} <= set(CALIBRATED)
    assert versions.calibrated() == {k: CALIBRATED[k] for k in ("tensorflow", "keras", "numpy")}


def test_constraints_pin_the_calibrated_versions_and_are_generated_fresh() -> None:
    text = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    assert text.startswith("# Generated from autograder/calibration.json")
    assert build.targets()[build.CONSTRAINTS]() == text  # `make check` fails otherwise
    assert release.pins() == {
        "tensorflow": CALIBRATED["tensorflow"],
        "tensorflow-cpu": CALIBRATED["tensorflow"],
        "keras": CALIBRATED["keras"],
        "numpy": CALIBRATED["numpy"],
    }


def test_constraints_go_stale_when_the_calibration_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = json.loads(calibrate.OUTPUT.read_text(encoding="utf-8"))
    other["measured_with"]["keras"] = "3.99.0"
    (tmp_path / "calibration.json").write_text(json.dumps(other), encoding="utf-8")
    monkeypatch.setattr(calibrate, "OUTPUT", tmp_path / "calibration.json")
    made = build.targets()[build.CONSTRAINTS]()
    assert "keras==3.99.0" in made and made != (ROOT / "constraints.txt").read_text(encoding="utf-8")


def test_this_install_honoured_the_constraints() -> None:
    """`make install` installs with -c constraints.txt: this venv holds the calibrated versions."""
    assert versions.installed() == versions.calibrated()
    assert versions.mismatch_warning("en") is None and versions.mismatch_warning("ko") is None


def test_the_grader_version_names_the_installed_versions_so_a_rerun_under_others_regrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = grade.grader_version()
    assert re.fullmatch(r"[0-9a-f]{16} \(tensorflow \S+, keras \S+, numpy \S+\)", here), here
    assert versions.shown(versions.installed()) in here
    student = write_submission(tmp_path / "class" / "ana", {})
    (snapshot,) = [s.snapshot(tmp_path / "scratch") for s in discover(student.parent)]
    before = Gradebook(tmp_path / "out", "en").fingerprint(snapshot)
    other = {**versions.installed(), "keras": "3.99.0"}
    monkeypatch.setattr(versions, "installed", lambda: other)
    there = grade.grader_version()
    assert there != here and "keras 3.99.0" in there and there.split()[0] == here.split()[0]
    assert Gradebook(tmp_path / "out", "en").fingerprint(snapshot) != before


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "differ from those step 4's threshold was calibrated with"), ("ko", "다릅니다")]
)
def test_grade_warns_when_the_installed_versions_are_not_the_calibrated_ones(
    lang: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    klass = tmp_path / "class"
    (klass / "ana").mkdir(parents=True)  # hands in nothing: graded at once, without running anything

    def run_grade() -> str:
        args = argparse.Namespace(
            submissions=klass,
            out=tmp_path / f"out-{len(list(tmp_path.iterdir()))}",
            workers=1,
            timeout=None,
            force=False,
            nbgrader=None,
            no_sandbox=False,
            shard=None,
            lang=lang,
        )
        assert commands.grade_command(args) == 1  # ana's submission could not run: 1
        return capsys.readouterr().err

    assert said not in run_grade()  # the calibrated versions: no warning
    calibrated = {**versions.calibrated(), "tensorflow": "2.20.0"}
    monkeypatch.setattr(versions, "calibrated", lambda path=versions.CALIBRATION: calibrated)
    warned = " ".join(run_grade().split())
    assert said in warned and "tensorflow 2.20.0" in warned, warned
    assert f"tensorflow {versions.installed()['tensorflow']}" in warned
