"""The learner's commands, run as learners run them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import main, parser
from autograder.core.steps import STEPS

from answers import write_submission
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
        assert all("아직 풀지 않았습니다" in c["message"] for c in step["checks"])
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


def test_check_reads_a_notebook_as_grade_does(tmp_path, capsys):
    notebook = ROOT / "course" / "source" / "keras01" / "keras01.ipynb"  # its answer cells: the solutions
    assert main(["check", str(notebook), "--step", "1", "--json", "--lang", "en"]) == 0
    assert json.loads(capsys.readouterr().out)["passed_steps"] == 1
    shutil.copy(notebook, tmp_path / "mine.ipynb")
    assert main(["check", str(tmp_path), "--step", "1", "--json"]) == 0  # a folder holding one notebook
    assert json.loads(capsys.readouterr().out)["score"] == 3
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
