"""The versions grades depend on: TensorFlow, Keras and numpy, as calibrated and as installed.

Step 4's threshold was calibrated with the versions that autograder/calibration.json records
(`measured_with`); another TensorFlow, Keras or numpy may train to other losses. So the repository pins
them in constraints.txt (written from the calibration by `calibrate` and `make build`: `make install`,
the grader's image, Gradescope's setup.sh and the learners' wheel install those versions), the grader's
version includes the installed ones (a rerun regrades, `merge` refuses parts graded under others), and
`grade` warns when they differ from the calibrated ones.

Read from the installed distributions' metadata: the grader never imports TensorFlow itself.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

CALIBRATION = Path(__file__).resolve().parents[1] / "calibration.json"
# The modules whose versions grades depend on, and the distributions that install each (the first
# installed wins: tensorflow-cpu is the same `tensorflow` module without the CUDA wheels).
PINNED = {"tensorflow": ("tensorflow-cpu", "tensorflow"), "keras": ("keras",), "numpy": ("numpy",)}

CONSTRAINTS_HEADER = """\
# Generated from autograder/calibration.json (`measured_with`) by `python -m autograder.grading.calibrate`
# and `make build` (autograder/grading/versions.py); do not edit.
# The TensorFlow, Keras and numpy that step 4's threshold was calibrated with. Installs honour it:
#   uv pip install -e '.[dev,docs,nbgrader]' -c constraints.txt     (make install)
#   pip install -c constraints.txt .                                 (the grader's image, Gradescope)
"""

MESSAGES = {
    "differ": {
        "ko": "경고: 설치된 버전({installed})이 4단계 기준을 잰 버전({calibrated})과 다릅니다. "
        "점수가 달라질 수 있습니다: `pip install -c constraints.txt ...`로 맞추세요.",
        "en": "warning: the installed versions ({installed}) differ from those step 4's threshold was "
        "calibrated with ({calibrated}); grades may differ: install with `pip install -c constraints.txt ...`.",
    },
}


def calibrated(path: Path = CALIBRATION) -> dict[str, str]:
    """The versions the calibration was measured with, e.g. {'tensorflow': '2.21.0', ...}."""
    measured = json.loads(path.read_text(encoding="utf-8"))["measured_with"]
    return {name: str(measured[name]) for name in PINNED}


def installed() -> dict[str, str]:
    """The installed versions of the pinned modules ('missing' where none is installed)."""
    found = {}
    for module, distributions in PINNED.items():
        found[module] = "missing"
        for distribution in distributions:
            try:
                found[module] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    return found


def shown(versions: dict[str, str]) -> str:
    """'tensorflow 2.21.0, keras 3.15.1, numpy 2.4.6'"""
    return ", ".join(f"{name} {version}" for name, version in versions.items())


def mismatch_warning(lang: str, calibrated_versions: dict[str, str] | None = None) -> str | None:
    """The warning `grade` prints when the installed versions are not the calibrated ones, else None."""
    wanted = calibrated() if calibrated_versions is None else calibrated_versions
    have = installed()
    if have == wanted:
        return None
    return MESSAGES["differ"][lang].format(installed=shown(have), calibrated=shown(wanted))


def constraints_text(measured_with: dict[str, object]) -> str:
    """constraints.txt: every distribution of the pinned modules at the calibrated version."""
    lines = [
        f"{distribution}=={measured_with[module]}"
        for module, distributions in PINNED.items()
        for distribution in distributions
    ]
    return CONSTRAINTS_HEADER + "\n".join(sorted(lines)) + "\n"
