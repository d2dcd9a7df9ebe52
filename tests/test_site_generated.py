"""The site's generated parts tell the truth: figures and console output come from real runs of the
current code, the code shown is the solutions' own, and the tutorial's code is quoted verbatim."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import site_figures, site_pages
from autograder.site_capture import MISTAKES, QUIET_TF
from autograder.steps import STEPS

from answers import TUTORIAL
from conftest import ROOT


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_committed_training_run_is_what_training_gives_now(tmp_path: Path) -> None:
    """Re-run the seeded reference fit the figures are drawn from; it matches the committed data."""
    committed = _load(site_pages.REFERENCE_JSON)["training"]
    script = (
        "import json, sys; from autograder import site_capture; "
        f"json.dump(site_capture.training_run({committed['seed']}), open(sys.argv[1], 'w'))"
    )
    out = tmp_path / "training.json"
    env = os.environ | QUIET_TF
    subprocess.run(
        [sys.executable, "-c", script, str(out)], cwd=ROOT, env=env, check=True, capture_output=True
    )
    fresh = _load(out)
    assert fresh["loss_curve"] == pytest.approx(committed["loss_curve"], rel=1e-4)
    assert fresh["prediction"] == pytest.approx(committed["prediction"], rel=1e-4)
    assert fresh["params"] == committed["params"] == {"epochs": 100, "steps": 10}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("name", site_figures.FIGURES)
def test_figures_are_stamped_with_the_data_they_are_drawn_from(name: str, lang: str) -> None:
    path = site_pages.DOCS / lang / "figures" / f"{name}.png"
    text = site_figures.png_text(path)
    assert text["Fingerprint"] == site_pages.figure_target(name, lang).fingerprint
    assert "do not edit" in text["Comment"] and "Software" not in text


def test_shown_code_is_each_function_without_docstrings_or_markers() -> None:
    for step in STEPS:
        lines = (ROOT / "solutions" / step.filename).read_text(encoding="utf-8").splitlines()
        shown = [
            lines[n - 1] for a, b in site_pages.solution_ranges("\n".join(lines)) for n in range(a, b + 1)
        ]
        assert not any("###" in line or '"""' in line for line in shown), step.filename
        for function in step.functions:
            assert any(line.startswith(f"def {function}(") for line in shown)
        assert sum(line.strip().startswith("return") for line in shown) == len(step.functions)


def test_console_output_shows_what_each_answer_gets() -> None:
    """Stubs fail as not done, solutions pass, and each shown mistake fails at least one public check."""
    learner = _load(site_pages.LEARNER_JSON)
    for step in STEPS:
        key = str(step.number)
        assert learner["stub"][key]["status"] == "not_done" and learner["stub"][key]["score"] == 0
        assert learner["solution"][key]["failed"] == [] and learner["solution"][key]["score"] > 0
    for mistake in MISTAKES:
        result = learner["mistakes"][f"{mistake.step}.{mistake.id}"]
        assert result["status"] == "ok" and result["failed"], mistake.id
        assert result["score"] < result["max"]


def _squeezed(line: str) -> str:
    return "".join(line.split())


def test_the_tutorial_code_is_quoted() -> None:
    """Every line of the tutorial's code, as the check tests put it into the five functions, is in the
    quoted file (spacing aside). Lines that wire the code into a function (`return`, `x_new`) are not."""
    quoted = {
        _squeezed(line)
        for line in (ROOT / "docs" / "_snippets" / "keras2_tutorial.py").read_text().splitlines()
    }
    for answer in TUTORIAL.values():
        for body in answer.bodies.values():
            for line in body.strip().splitlines():
                if line.strip() and not line.strip().startswith("return") and "x_new" not in line:
                    assert _squeezed(line) in quoted, line
