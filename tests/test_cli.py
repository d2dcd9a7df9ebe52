"""The learner's commands, run as learners run them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.checks.registry import all_checks
from autograder.cli import main, parser
from autograder.core.steps import STEPS

from answers import solution_answer, write_submission
from conftest import ROOT


def test_check_on_untouched_stubs_reports_zero_of_five_kindly(tmp_path, capsys):
    folder = write_submission(tmp_path, {})
    assert main(["check", str(folder), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [s["step"] for s in report["steps"]] == [1, 2, 3, 4, 5]
    assert report["passed_steps"] == 0 and report["score"] == 0
    for step in report["steps"]:
        assert step["passed"] is False and step["score"] == 0 and step["max"] > 0
        assert step["status"] == "not_done"
        for check in step["checks"]:  # the ✗ says why; the checks waiting for it do not repeat it
            assert ("아직 풀지 않았습니다" in check["message"]) is not check["skipped"], check
    assert report["summary"] == f"단계 5개 중 0개 통과 (0/{report['max']}점)"


def test_check_on_the_solutions_reports_five_of_five_in_korean_and_english(tmp_path, capsys):
    for step in STEPS:
        shutil.copy(ROOT / "solutions" / step.filename, tmp_path)
    assert main(["check", str(tmp_path), "--hidden"]) == 0
    assert "단계 5개 중 5개 통과" in capsys.readouterr().out
    assert main(["check", str(tmp_path), "--step", "3", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Compile the model" in out and "1 of 1 steps passed" in out


def test_one_step_in_english_says_what_to_do(tmp_path, capsys):
    folder = write_submission(tmp_path, {})
    assert main(["check", str(folder), "--step", "1", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "not done yet" in out and "0 of 1 steps passed" in out and "Try:" in out


def test_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope")]) == 2
    assert "폴더나 노트북이 없습니다" in capsys.readouterr().err


def test_hints_come_one_at_a_time_the_answer_last_in_both_languages(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    outputs = []
    for _ in range(4):
        assert main(["hint", "4"]) == 0
        outputs.append(capsys.readouterr().out)
    assert [o.splitlines()[0] for o in outputs] == [f"4단계 힌트 {n}/3 — 모델 훈련" for n in (1, 2, 3, 3)]
    assert "epochs=100" not in outputs[0] + outputs[1] and "epochs=100, batch_size=1" in outputs[2]
    assert "다시 실행하세요" in outputs[0] and "다시 실행하세요" not in outputs[2]
    assert main(["hint", "2", "--lang", "en", "--all"]) == 0
    everything = capsys.readouterr().out
    assert "Hint 1/3 for step 2" in everything and "Hint 3/3" in everything and "Dense(5)" in everything
    assert main(["hint", "4", "--reset"]) == 0
    assert capsys.readouterr().out.startswith("4단계 힌트 1/3")


def test_check_with_no_folder_finds_exercises_from_the_course_folder_and_from_inside_it(
    tmp_path, capsys, monkeypatch
):
    """As in the learners' release: the course folder holds exercises/; a learner may cd into it."""
    course = tmp_path / "course"
    write_submission(course / "exercises", {1: solution_answer(1)})
    for where in (course, course / "exercises"):
        monkeypatch.chdir(where)
        assert main(["check", "--step", "1", "--json"]) == 0, where
        assert json.loads(capsys.readouterr().out)["passed_steps"] == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["check", "--lang", "en"]) == 2
    said = " ".join(capsys.readouterr().err.split())
    assert said == (
        f"This folder holds neither an exercises/ folder nor the step files (step1_data.py …): {elsewhere} "
        "Go to the course folder (the one holding exercises/) or into exercises/ and run keras-course check "
        "there, or name the folder: keras-course check PATH/exercises"
    )
    assert main(["check"]) == 2 and "강좌 폴더(exercises/가 들어 있는 폴더)" in capsys.readouterr().err


def hint_lines(argv: list[str], capsys) -> tuple[int, str]:
    """A `hint` command's exit status and the first line it printed (its header)."""
    status = main(["--lang", "en", *argv])
    captured = capsys.readouterr()
    return status, (captured.out or captured.err).splitlines()[0]


def test_hint_reset_with_a_step_resets_that_step_only_and_without_one_every_step(
    capsys, monkeypatch, tmp_path
):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    for step in (1, 2):
        for _ in range(2):
            assert main(["hint", str(step)]) == 0
    capsys.readouterr()
    assert hint_lines(["hint", "2", "--reset"], capsys) == (0, "Hint 1/3 for step 2 — Build the model")
    assert hint_lines(["hint", "1"], capsys) == (0, "Hint 3/3 for step 1 — Prepare the data")  # kept
    assert hint_lines(["hint", "2"], capsys) == (0, "Hint 2/3 for step 2 — Build the model")
    assert hint_lines(["hint", "--reset"], capsys) == (
        0,
        "Every step's hints start over: the next `keras-course hint N` shows step N's first hint.",
    )
    assert hint_lines(["hint", "1"], capsys)[1].startswith("Hint 1/3 for step 1")
    assert hint_lines(["hint", "2"], capsys)[1].startswith("Hint 1/3 for step 2")
    assert hint_lines(["hint"], capsys) == (
        2,
        "Say which step's hint you want, e.g. keras-course hint 1 (to start every step's hints over: "
        "keras-course hint --reset)",
    )
    assert main(["hint"]) == 2 and "몇 단계의 힌트인지" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["hint", "--help"])
    usage = " ".join(capsys.readouterr().out.split())
    assert "`hint N --reset` starts step N's hints again from the first" in usage
    assert "`hint --reset` (no N) does so for every step" in usage


def test_check_reads_a_notebook_as_grade_does(tmp_path, capsys):
    notebook = ROOT / "course" / "source" / "keras01" / "keras01.ipynb"  # its answer cells: the solutions
    assert main(["check", str(notebook), "--step", "1", "--json", "--lang", "en"]) == 0
    assert json.loads(capsys.readouterr().out)["passed_steps"] == 1
    shutil.copy(notebook, tmp_path / "mine.ipynb")
    assert main(["check", str(tmp_path), "--step", "1", "--json"]) == 0  # a folder holding one notebook
    step1 = sum(c.points for c in all_checks(include_hidden=False) if c.step == 1)
    assert json.loads(capsys.readouterr().out)["score"] == step1
    (tmp_path / "mine.ipynb").write_text("{ not JSON", encoding="utf-8")
    assert main(["check", str(tmp_path / "mine.ipynb"), "--lang", "en"]) == 2
    assert "cannot read the notebook: not a readable notebook" in capsys.readouterr().err


def test_version_is_the_installed_distributions(capsys):
    from importlib import metadata

    expected = metadata.version("keras-course")
    try:
        main(["--version"])
    except SystemExit as done:
        assert done.code == 0
    assert capsys.readouterr().out == f"keras-course {expected}\n"
    installed = subprocess.run(
        [str(Path(sys.executable).parent / "keras-course"), "--version"], capture_output=True, text=True
    )
    assert installed.returncode == 0 and installed.stdout == f"keras-course {expected}\n"


def test_lang_goes_before_or_after_the_subcommand_the_last_one_winning(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_COURSE_LANG", raising=False)
    for argv, first_line in [
        (["hint", "1", "--all"], "1단계 힌트 1/3"),
        (["--lang", "en", "hint", "1", "--all"], "Hint 1/3 for step 1"),
        (["hint", "1", "--all", "--lang", "en"], "Hint 1/3 for step 1"),
        (["--lang", "en", "hint", "1", "--all", "--lang", "ko"], "1단계 힌트 1/3"),
    ]:
        assert main(argv) == 0
        assert capsys.readouterr().out.startswith(first_line), argv
    assert parser().parse_args(["--lang", "en", "check"]).lang == "en"
    assert parser().parse_args(["check", "--lang", "en"]).lang == "en"
    assert parser().parse_args(["release", "x"]).lang == "ko"
    with pytest.raises(SystemExit):
        parser().parse_args(["--lang", "fr", "check"])
    assert "invalid choice: 'fr'" in capsys.readouterr().err
