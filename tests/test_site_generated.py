"""The site's generated parts tell the truth: figures and console output come from real runs of the
current code, the code shown is the solutions' own, and the tutorial's code is quoted verbatim."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.core.steps import STEPS
from sitegen import instructor_page, recordings, site_figures, site_pages, step_pages
from sitegen.markdown import solution_ranges
from sitegen.site_capture import MISTAKES, QUIET_TF
from sitegen.words import words

from answers import TUTORIAL
from conftest import ROOT


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_committed_training_run_is_what_training_gives_now(tmp_path: Path) -> None:
    """Re-run the seeded reference fit the figures are drawn from; it matches the committed data."""
    committed = _load(recordings.REFERENCE_JSON)["training"]
    script = (
        "import json, sys; from sitegen import site_capture; "
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
    path = recordings.DOCS / lang / "figures" / f"{name}.png"
    text = site_figures.png_text(path)
    assert text["Fingerprint"] == recordings.figure_target(name, lang).fingerprint
    assert "do not edit" in text["Comment"] and "Software" not in text


def test_shown_code_is_each_function_without_docstrings_or_markers() -> None:
    for step in STEPS:
        lines = (ROOT / "solutions" / step.filename).read_text(encoding="utf-8").splitlines()
        shown = [lines[n - 1] for a, b in solution_ranges("\n".join(lines)) for n in range(a, b + 1)]
        assert not any("###" in line or '"""' in line for line in shown), step.filename
        for function in step.functions:
            assert any(line.startswith(f"def {function}(") for line in shown)
        assert sum(line.strip().startswith("return") for line in shown) == len(step.functions)


def test_console_output_shows_what_each_answer_gets() -> None:
    """Stubs fail as not done, solutions pass, and each shown mistake fails at least one public check."""
    learner = _load(recordings.LEARNER_JSON)
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
    """Before `python -m autograder.grading.calibrate` has run the page says so; after, it shows the threshold,
    the grader's seed, the margins and each variant's pass rate, from calibration.json's own summary."""
    from autograder.core import spec
    from autograder.grading import calibrate

    monkeypatch.setattr(recordings, "CALIBRATION_JSON", tmp_path / "calibration.json")
    assert "python -m autograder.grading.calibrate" in instructor_page.calibration(lang)
    seeds = sorted({0, 1, 2, 3, 4, spec.GRADER_SEED})
    per_seed = {
        str(s): {"untrained": 120.0 + s, "reference": 0.05 * (s + 1), "epochs_10": 9.0, "batch_size_32": 4.0}
        | ({"target_2y": 30.0, "sgd": None} if s % calibrate.SPARSE == 0 else {})
        for s in seeds
    }
    summary = calibrate.summarize(per_seed, {"tensorflow": "2.21.0", "keras": "3.15.1"})
    (tmp_path / "calibration.json").write_text(json.dumps(summary), encoding="utf-8")
    text = instructor_page.calibration(lang)
    assert f"{spec.LOSS_THRESHOLD:g}" in text and f"**{spec.GRADER_SEED}**" in text
    assert f"{summary['margin_reference']:g}" in text and f"{summary['margin_untrained']:g}" in text
    assert text.count("\n|") == 2 + len(summary["variants"])  # header, rule, one row per variant
    assert "100.0%" in text and "0.0%" in text  # the reference passes, sgd (nan) never does
    assert step_pages.typical_loss(lang) != words("pages", lang)["untypical"]


def test_what_the_pages_say_about_keras_3_is_what_the_recorded_run_did() -> None:
    """The prose states these facts in words; the recorded run (regenerated by `make build` whenever
    the code changes) must still show them."""
    reference = _load(recordings.REFERENCE_JSON)
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
    """mkdocs.yml and the pages name the steps exactly as autograder/core/steps.py does, in both languages."""
    import yaml

    class Loader(
        yaml.SafeLoader
    ):  # mkdocs.yml uses !relative and !!python tags; their values do not matter here
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    # The nav group that holds step 1's page, whatever it is called ("다섯 단계" for five steps).
    steps_nav = next(
        entries
        for item in config["nav"]
        for entries in item.values()
        if isinstance(entries, list) and {"1. " + STEPS[0].title["ko"]: "step1.md"} in entries
    )
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
    from sitegen.build import _stamped

    path, made = tmp_path / "slow.json", []

    def stamped(stamp: str) -> recordings.Stamped:
        def make() -> bytes:
            made.append(stamp)
            return json.dumps({"fingerprint": stamp}).encode()

        return recordings.Stamped(stamp, make, recordings.json_stamp)

    assert _stamped(path, stamped("a"), check=True) is False  # missing: stale
    assert _stamped(path, stamped("a"), check=False) and made == ["a"]
    assert _stamped(path, stamped("a"), check=True) and _stamped(path, stamped("a"), check=False)
    assert made == ["a"]  # fresh: not made again
    assert _stamped(path, stamped("b"), check=True) is False and made == ["a"]


# --- the seeded experiments (sitegen/site_experiments.py) behind step 5's explanation and "Try more" ---


def _experiments() -> dict:
    return _load(recordings.EXPERIMENTS_JSON)


def _number(line: str) -> float:
    """The number after the last colon of a printed line ("loss: 0.12" -> 0.12)."""
    return float(line.rsplit(":", 1)[1])


def _line(text: str) -> tuple[float, float]:
    """W and B from a printed "W = 0.8901, B = 0.7564"."""
    found = re.fullmatch(r"W = (-?[\d.]+), B = (-?[\d.]+)", text)
    assert found, text
    return float(found[1]), float(found[2])


def test_convergence_table_starts_at_the_course_run_and_reaches_y_equals_x() -> None:
    """Step 5 says the predictions miss 11, 12, 13 because 100 epochs have not converged: the first row
    is the course's own run (the figures' weights), and the same run carried on reaches W = 1, B = 0."""
    from sitegen.site_experiments import learned_line

    rows = _experiments()["convergence"]
    training = _load(recordings.REFERENCE_JSON)["training"]
    assert [row["epochs"] for row in rows] == [100, 300, 600]
    first, last = rows[0], rows[-1]
    course = learned_line(training["weights"])
    assert first["W"] == pytest.approx(course["W"], abs=1e-4) and first["B"] == pytest.approx(
        course["B"], abs=1e-4
    )
    assert first["prediction"] == pytest.approx(training["prediction"], rel=1e-4)
    assert first["loss"] == pytest.approx(training["evaluate"]["loss"], rel=1e-3)
    assert abs(first["W"] - 1) > 0.05 and first["B"] > 0.1  # not there yet: what the page explains
    assert abs(last["W"] - 1) < 0.02 and abs(last["B"]) < 0.02 and last["loss"] < 1e-6
    assert last["prediction"] == pytest.approx([11, 12, 13], abs=0.02)
    losses = [row["loss"] for row in rows]
    assert losses == sorted(losses, reverse=True)
    assert all(abs(a["W"] - 1) > abs(b["W"] - 1) for a, b in zip(rows, rows[1:]))


def test_convergence_rows_on_the_page_are_the_recorded_numbers() -> None:
    rows = _experiments()["convergence"]
    shown = site_pages.convergence_rows(rows).splitlines()
    assert len(shown) == len(rows)
    for line, row in zip(shown, rows):
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert int(cells[0]) == row["epochs"]
        assert float(cells[1]) == pytest.approx(row["W"], abs=5e-5)
        assert float(cells[2]) == pytest.approx(row["B"], abs=5e-5)
        assert float(cells[3]) == pytest.approx(row["loss"], rel=5e-3)
        assert [float(c) for c in cells[4:]] == pytest.approx(row["prediction"], abs=5e-4)


def test_try_more_outputs_say_what_the_pages_say() -> None:
    """Each "Try more" box shows the recorded output of its file; the prose around it states facts that
    these outputs must keep showing."""
    import numpy as np

    from autograder.core import spec

    data = _experiments()
    tried = data["try"]
    training = _load(recordings.REFERENCE_JSON)["training"]
    rows = {row["epochs"]: row for row in data["convergence"]}
    assert set(tried) == {p.stem for p in (ROOT / "docs" / "_snippets" / "try").glob("*.py")}
    # Step 1: y = 2x + 1, and the two-dimensional shape of step 5.
    assert tried["try1_line"] == [str(2 * np.arange(1, 11) + 1), "(10, 1)"]
    # Step 2: Keras counts what the self-check answer computes by hand (the pages state 57).
    wider = sum(spec.layer_param_counts(units=(10, 3, 1)))
    assert tried["try2_wider"] == [str(wider)] and wider == 57
    for lang in ("ko", "en"):
        assert f"**{wider}**" in (ROOT / "docs" / lang / "step2.md").read_text(encoding="utf-8")
    # Step 3: a ten times bigger learning rate converges in 100 epochs; sgd gives nan from the first epoch.
    assert _number(tried["try3_learning_rate"][0]) < 1e-3 < training["loss_curve"][-1]
    source = (ROOT / "docs" / "_snippets" / "try" / "try3_learning_rate.py").read_text(encoding="utf-8")
    assert f"default: {data['adam_learning_rate']:g}" in source
    assert "learning_rate=0.01" in source and data["adam_learning_rate"] == pytest.approx(0.001)
    assert tried["try3_sgd"] == ["loss: [nan, nan, nan]"]
    # Step 4: batch_size=2 makes 5 updates an epoch and ends higher; 300 epochs end far lower.
    params, loss = tried["try4_batch_size"]
    assert "'steps': 5" in params and "'epochs': 100" in params
    assert _number(loss) > training["loss_curve"][-1]
    assert _number(tried["try4_epochs"][0]) < training["loss_curve"][-1] / 100
    # Step 5: the learned line is the table's first row; the test data's loss is above the training data's.
    line, train, test = tried["try5_learned"]
    assert _line(line) == pytest.approx((rows[100]["W"], rows[100]["B"]), abs=2e-4)
    assert _number(train) == pytest.approx(training["evaluate"]["loss"], rel=1e-3)
    assert _number(test) > _number(train)
    assert _line(tried["try5_new_line"][0]) == pytest.approx((2, 1), abs=0.02)


def test_try_files_start_from_the_course_seed() -> None:
    """The pages promise the same numbers as the course's run: every file that trains uses its seed."""
    from autograder.core import spec

    for path in (ROOT / "docs" / "_snippets" / "try").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if ".fit(" in source:
            assert f"keras.utils.set_random_seed({spec.GRADER_SEED})" in source, path.name


def test_rank_trap_table_is_what_keras_does() -> None:
    """Only a second call of the same method with the other rank fails, in both orders; a 1-D input is
    accepted because Keras's own code (quoted from the installed source) expands it to (n, 1)."""
    import importlib.util

    trap = _experiments()["rank_trap"]
    methods = ("fit", "evaluate", "predict")
    assert len(trap["calls"]) == len(methods) ** 2 * 2
    for call in trap["calls"]:
        same = call["first"] == call["second"]
        assert (call["raised"] == "ValueError") is same, call
        if same:
            assert "unknown rank" in call["message"] and "\x1b" not in call["message"]
    rows = site_pages.rank_trap_rows(trap).splitlines()
    for method, row in zip(methods, rows):
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[0] == f"`{method}`"
        assert cells[1:] == ["✗ `ValueError`" if m == method else "✓" for m in methods]
    assert trap["input_shape"] == [None, 1] and trap["predict_1d_shape"] == [10, 1]
    expands = trap["expands"]
    keras_root = Path(importlib.util.find_spec("keras").origin).parent  # no TensorFlow import
    installed = (keras_root.parent / expands["file"]).read_text(encoding="utf-8").splitlines()
    quoted = [line.strip() for line in expands["lines"]]
    start = expands["line"] - 1
    assert [line.strip() for line in installed[start : start + len(quoted)]] == quoted
    assert any("expand_dims" in line for line in quoted)


def test_committed_experiments_are_what_keras_does_now(tmp_path: Path) -> None:
    """Re-run the 300 first epochs of the convergence run and the rank trap; they match the committed data."""
    committed = _experiments()
    script = (
        "import json, sys; from sitegen import site_experiments as e; "
        f"json.dump({{'rows': e.convergence({committed['seed']}, (100, 300)), "
        f"'trap': e.rank_trap({committed['seed']})}}, open(sys.argv[1], 'w'))"
    )
    out = tmp_path / "experiments.json"
    subprocess.run(
        [sys.executable, "-c", script, str(out)],
        cwd=ROOT,
        env=os.environ | QUIET_TF,
        check=True,
        capture_output=True,
    )
    fresh = _load(out)
    for row, again in zip(committed["convergence"], fresh["rows"]):
        assert again["epochs"] == row["epochs"]
        assert [again["W"], again["B"]] == pytest.approx([row["W"], row["B"]], rel=1e-4, abs=1e-6)
        assert again["prediction"] == pytest.approx(row["prediction"], rel=1e-4)
    assert [c["raised"] for c in fresh["trap"]["calls"]] == [
        c["raised"] for c in committed["rank_trap"]["calls"]
    ]


# --- the glossary and the pages' structure --------------------------------------------------------------


def _korean_texts() -> dict[str, str]:
    """Learner-facing Korean text: the pages (glossary aside), their snippets, and the words of the code."""
    paths = [
        *(p for p in (ROOT / "docs" / "ko").rglob("*.md") if p.name != "glossary.md"),
        *(
            p
            for p in (ROOT / "docs" / "_snippets" / "generated" / "ko").glob("*.md")
            if p.name != "glossary.md"
        ),
        *(ROOT / "docs" / "_snippets").glob("*.ko.md"),
        ROOT / "autograder" / "core" / "steps.py",
        ROOT / "docs" / "_snippets" / "words.yml",
        *(ROOT / "sitegen").glob("*.py"),
        *(ROOT / "autograder" / "checks").rglob("*.py"),
        *(ROOT / "docs" / "_snippets" / "try").glob("*.py"),
    ]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths}


def test_korean_text_uses_one_spelling_per_glossary_term() -> None:
    terms = site_pages.glossary_terms()
    avoided = {word: term["ko"] for term in terms for word in term.get("avoid_ko", [])}
    assert {"씨앗", "손실함수"} <= set(avoided)
    for name, text in _korean_texts().items():
        for word, use in avoided.items():
            assert word not in text, f"{name}: write {use!r}, not {word!r} (docs/_snippets/glossary.yml)"


def test_glossary_names_the_words_learners_meet_elsewhere() -> None:
    terms = site_pages.glossary_terms()
    by_ko = {term["ko"]: term for term in terms}
    for ko, en, also in [
        ("완전 연결 층", "fully connected layer", "밀집 층"),
        ("돌려주다", "return", "반환하다"),
        ("시드", "seed", "씨앗"),
        ("손실 함수", "loss function", "손실함수"),
        ("에포크", "epoch", "에폭"),
        ("배치 크기", "batch size", "배치 사이즈"),
    ]:
        assert by_ko[ko]["en"] == en and also in by_ko[ko]["also_ko"], ko
    assert by_ko["완전 연결 층"]["code"] == "Dense"
    for term in terms:
        assert term["step"] in range(1, 6) and term["ko_means"] and term["en_means"], term["ko"]
    for lang in ("ko", "en"):
        entries = site_pages.glossary_rows(lang)
        assert entries.count("<dt id=") == entries.count("<dd ") == len(terms)


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("step", [s.number for s in STEPS])
def test_step_page_folds_the_solution_after_the_exercise_then_tries_and_asks(step: int, lang: str) -> None:
    text = (ROOT / "docs" / lang / f"step{step}.md").read_text(encoding="utf-8")
    headings = {
        "ko": ("## 연습 문제", "## 더 해 보기 { #try }", "## 스스로 확인 { #quiz }", "## 검사 항목"),
        "en": (
            "## The exercise",
            "## Try more { #try }",
            "## Check yourself { #quiz }",
            "## What the checks",
        ),
    }[lang]
    exercise, tries, quiz, checks = (text.index(h) for h in headings)
    assert exercise < tries < quiz < checks
    solution = f'--8<-- "docs/_snippets/generated/code.md:step{step}-solution"'
    assert text.count(solution) == 1
    folded = '??? success "정답 보기"' if lang == "ko" else '??? success "Show the solution"'
    at = text.index(solution)
    assert exercise < text.index(folded) < at < tries and f"\n    {solution}" in text
    assert 1 <= text[tries:quiz].count("!!! example") and "experiments.md:try" in text[tries:quiz]
    assert 2 <= text[quiz:checks].count("??? question") <= 3


def test_every_try_file_is_shown_with_its_output() -> None:
    pages = "".join(
        (ROOT / "docs" / lang / f"step{s.number}.md").read_text() for lang in ("ko", "en") for s in STEPS
    )
    for path in (ROOT / "docs" / "_snippets" / "try").glob("*.py"):
        assert pages.count(f'--8<-- "docs/_snippets/try/{path.name}"') == 2, path.name
        assert pages.count(f'--8<-- "docs/_snippets/generated/experiments.md:{path.stem}"') == 2, path.name


# --- the measured install sizes (sitegen/install_sizes.py) --------------------------------------------


def test_install_sizes_were_measured_for_the_installed_versions() -> None:
    """Re-measure (`python -m sitegen.install_sizes`) when TensorFlow or Keras change; the repository's
    .venv, measured again now, is still about the recorded size."""
    from importlib import metadata

    from sitegen.install_sizes import disk_usage

    sizes = _load(recordings.INSTALL_SIZES)
    name, version = sizes["tensorflow"].split()
    assert metadata.version(name) == version and metadata.version("keras") == sizes["keras"]
    assert sizes["requires_python"] == metadata.metadata("keras-course")["Requires-Python"]
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in sizes["tensorflow_pythons"]
    for part in ("learner", "repository"):
        measured = sizes[part]
        (wheel,) = measured["tensorflow_wheel"].values()
        assert wheel < measured["download_bytes"] < measured["installed_bytes"]
    assert sizes["learner"]["installed_bytes"] < sizes["repository"]["installed_bytes"]
    venv = ROOT / ".venv"
    if venv.exists():
        assert disk_usage(venv) == pytest.approx(sizes["repository"]["installed_bytes"], rel=0.25)
    for lang in ("ko", "en"):
        shown = site_pages.sizes_table(lang)
        assert site_pages._megabytes(sizes["learner"]["download_bytes"]) in shown
        assert site_pages._megabytes(sizes["repository"]["installed_bytes"]) in shown


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_setup_shows_the_pass_line_and_checks_the_bundles_notebook(lang: str) -> None:
    """The "all five steps pass" example shows the summary line (not the tail of a wrapped note), and
    the notebook learners are told to check is the one the learners' bundle holds."""
    from autograder.authoring.learner_notebook import NAME
    from autograder.checks.registry import all_checks
    from autograder.checks.report import SUMMARY

    generated = (ROOT / "docs" / "_snippets" / "generated" / lang / "setup.md").read_text(encoding="utf-8")
    start = generated.index("[start:all-pass]")
    shown = generated[start : generated.index("[end:all-pass]")]
    points = sum(c.points for c in all_checks(include_hidden=False))
    assert SUMMARY[lang].format(total=len(STEPS), passed=len(STEPS), score=points, max=points) in shown
    page = (ROOT / "docs" / lang / "setup.md").read_text(encoding="utf-8")
    assert f"keras-course check {NAME}" in page and "keras01.ipynb" not in page
    with pytest.raises(ValueError):
        step_pages.from_summary(["a wrapped line", "cut in half)."], lang)


def test_step3_blames_sgds_step_not_its_learning_rate() -> None:
    """SGD's default learning rate is the one the converging Adam example uses: the page says so, and
    gives how often SGD diverged from the calibration, not as a rule."""
    import keras

    sgd_rate = float(keras.optimizers.SGD().learning_rate)
    source = (ROOT / "docs" / "_snippets" / "try" / "try3_learning_rate.py").read_text(encoding="utf-8")
    assert f"learning_rate={sgd_rate:.2g}" in source
    for lang in ("ko", "en"):
        page = (ROOT / "docs" / lang / "step3.md").read_text(encoding="utf-8")
        assert f"{sgd_rate:.2g}" in page and "SGD(learning_rate=0.001)" in page
        assert step_pages.sgd_often(lang) in (
            ROOT / "docs" / "_snippets" / "generated" / lang / "step3.md"
        ).read_text(encoding="utf-8")
