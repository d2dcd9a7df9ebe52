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


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_instructor_page_shows_the_calibration_once_measured(lang: str, tmp_path: Path, monkeypatch) -> None:
    """Before `python -m autograder.calibrate` has run the page says so; after, it shows the threshold,
    the grader's seed, the margins and each variant's pass rate, from calibration.json's own summary."""
    from autograder import calibrate, spec

    monkeypatch.setattr(site_pages, "CALIBRATION_JSON", tmp_path / "calibration.json")
    assert "python -m autograder.calibrate" in site_pages.calibration(lang)
    seeds = sorted({0, 1, 2, 3, 4, spec.GRADER_SEED})
    per_seed = {
        str(s): {"untrained": 120.0 + s, "reference": 0.05 * (s + 1), "epochs_10": 9.0, "batch_size_32": 4.0}
        | ({"target_2y": 30.0, "sgd": None} if s % calibrate.SPARSE == 0 else {})
        for s in seeds
    }
    summary = calibrate.summarize(per_seed, {"tensorflow": "2.21.0", "keras": "3.15.1"})
    (tmp_path / "calibration.json").write_text(json.dumps(summary), encoding="utf-8")
    text = site_pages.calibration(lang)
    assert f"{spec.LOSS_THRESHOLD:g}" in text and f"**{spec.GRADER_SEED}**" in text
    assert f"{summary['margin_reference']:g}" in text and f"{summary['margin_untrained']:g}" in text
    assert text.count("\n|") == 2 + len(summary["variants"])  # header, rule, one row per variant
    assert "100.0%" in text and "0.0%" in text  # the reference passes, sgd (nan) never does
    assert site_pages.typical_loss(lang) != site_pages.WORDS[lang]["untypical"]


def test_what_the_pages_say_about_keras_3_is_what_the_recorded_run_did() -> None:
    """The prose states these facts in words; the recorded run (regenerated by `make build` whenever
    the code changes) must still show them."""
    reference = _load(site_pages.REFERENCE_JSON)
    keras2, training, model = reference["keras2"], reference["training"], reference["model"]
    assert any("UserWarning" in w and "input_dim" in w for w in keras2["sections"]["model"]["warnings"])
    assert keras2["keras_models_is_keras"] is True
    assert keras2["predict_1d_shape"] == [3, 1]
    for call in ("then_predict_2d", "then_evaluate_2d"):
        assert keras2[call]["raised"] == "ValueError" and "unknown rank" in keras2[call]["lines"][1]
    assert keras2["then_call_2d"] == {"raised": None, "shape": [10, 1]}
    assert keras2["metrics_names"] == training["metrics_names"] == ["loss", "compile_metrics"]
    assert model["count_params"] == training["count_params_after_fit"] == 32
    assert any("Total params: 32 (128.00 B)" in line for line in model["summary"])
    assert any("Total params: 98" in line for line in training["summary_after_fit"])
    assert any("(unbuilt)" in line for line in model["summary_without_input"])
    assert training["evaluate"]["loss"] == pytest.approx(training["evaluate"]["mse"])
    assert reference["tensorflow_log"]["quiet"] == [] and reference["tensorflow_log"]["min_log_level"] != []


def test_nav_and_page_titles_use_the_manifest_step_titles() -> None:
    """mkdocs.yml and the pages name the steps exactly as autograder/steps.py does, in both languages."""
    import yaml

    class Loader(
        yaml.SafeLoader
    ):  # mkdocs.yml uses !relative and !!python tags; their values do not matter here
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    steps_nav = next(item for item in config["nav"] if "다섯 단계" in item)["다섯 단계"]
    english = next(p for p in config["plugins"] if "i18n" in p)["i18n"]["languages"][1]["nav_translations"]
    for step, entry in zip(STEPS, steps_nav):
        ((title, page),) = entry.items()
        assert (title, page) == (f"{step.number}. {step.title['ko']}", f"step{step.number}.md")
        assert english[title] == f"{step.number}. {step.title['en']}"
        for lang, heading in (
            ("ko", f"# {step.number}단계: {step.title['ko']}"),
            ("en", f"# Step {step.number}: {step.title['en']}"),
        ):
            first = (ROOT / "docs" / lang / page).read_text(encoding="utf-8").splitlines()[0]
            assert first.startswith(heading + " {"), first


def test_build_remakes_a_stamped_file_only_when_its_fingerprint_changes(tmp_path: Path) -> None:
    from autograder.build import _stamped

    path, made = tmp_path / "slow.json", []

    def stamped(stamp: str) -> site_pages.Stamped:
        def make() -> bytes:
            made.append(stamp)
            return json.dumps({"fingerprint": stamp}).encode()

        return site_pages.Stamped(stamp, make, site_pages.json_stamp)

    assert _stamped(path, stamped("a"), check=True) is False  # missing: stale
    assert _stamped(path, stamped("a"), check=False) and made == ["a"]
    assert _stamped(path, stamped("a"), check=True) and _stamped(path, stamped("a"), check=False)
    assert made == ["a"]  # fresh: not made again
    assert _stamped(path, stamped("b"), check=True) is False and made == ["a"]
