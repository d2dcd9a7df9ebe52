"""`keras-course watch` as a learner uses it: a real session in a terminal (a pty), real saves, the
same sandboxed children as `check`. Mostly steps 1-3, so a run stays well under a minute and a half;
the speed of a warm re-check is measured in benchmarks/bench.py."""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from autograder.checks.registry import all_checks
from autograder.cli import INTERRUPTED, main
from autograder.core.steps import STEP_BY_NUMBER
from autograder.core.submissions import step_files_folder
from autograder.learner.watch import POLL_SECONDS, SETTLE_SECONDS, Session, StepFiles
from autograder.sandbox.child.contract import Limits

from answers import BROKEN, MUTANTS, fill, solution_answer, write_submission
from terminal import COLUMNS, Terminal

CHECKS = {c.id: c for c in all_checks(include_hidden=False)}
PUBLIC_POINTS = {n: sum(c.points for c in CHECKS.values() if c.step == n) for n in (1, 2)}


def editing(step: int, folder: Path) -> str:
    """The line that ends a screen about `step` (what the learner is to edit next)."""
    return f"{folder / STEP_BY_NUMBER[step].filename} 파일을 고치고 저장하세요"


def fork_servers(pid: int) -> dict[int, bool]:
    """The watch process's fork servers (bwrap, or the zygote itself): pid -> whether it is the light one."""
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children |= {int(c) for c in (task / "children").read_text().split()}
    return {
        c: b"\0KERAS_COURSE_LIGHT=1\0" in b"\0" + Path(f"/proc/{c}/environ").read_bytes() for c in children
    }


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pty and /proc: Linux")
def test_a_watch_session_follows_the_learner_through_mistakes_to_the_next_steps(
    tmp_path, capsys, monkeypatch
):
    folder = write_submission(tmp_path / "exercises", {})  # the untouched stubs
    step1, step2, step3 = (folder / STEP_BY_NUMBER[n].filename for n in (1, 2, 3))
    (tmp_path / "tmp").mkdir()
    term = Terminal("watch", str(folder), "--timeout", "5", tmp=tmp_path / "tmp")
    screen = term.wait_for(editing(1, folder))
    one = PUBLIC_POINTS[1]
    assert (
        f"✗ 1. 데이터 구성  0/{one} — 아직 풀지 않음" in screen
        and f"단계 1개 중 0개 통과 (0/{one}점)" in screen
    )

    # A wrong answer: its ✗ and advice, the very table `check --step 1` prints.
    term.save(step1, fill(1, MUTANTS["step1_from_zero"].bodies))
    screen = term.wait_for(editing(1, folder))
    assert "✗ 1. 데이터 구성" in screen and CHECKS["step1.x_values"].hint["ko"] in screen
    monkeypatch.setenv("COLUMNS", str(COLUMNS))
    assert main(["check", str(folder), "--step", "1"]) == 1
    table = lines(capsys.readouterr().out)
    shown = lines(screen)
    assert any(shown[i : i + len(table)] == table for i in range(len(shown))), (table, shown)

    # A syntax error: said with its line, and the watcher goes on.
    term.save(step1, fill(1, {"make_data": "x = np.array([1, 2, 3\nreturn x, x"}))
    screen = term.wait_for(editing(1, folder))
    assert "파이썬 문법 오류로 파일을 읽을 수 없습니다" in screen and "번째 줄" in screen

    # A hang: the step's time limit stops it. The fork server dies under it (killed here): the step
    # runs again on a new one, and the learner sees the hang, not the grader's trouble.
    term.save(step1, fill(1, BROKEN["step1_endless_loop"][0].bodies))
    term.wait_for("1단계 검사 중")
    time.sleep(1)
    (light,) = [pid for pid, is_light in fork_servers(term.child.pid).items() if is_light]
    os.kill(light, signal.SIGKILL)
    screen = term.wait_for(editing(1, folder), timeout=30)
    assert "5.0초 안에 끝나지 않아 멈췄습니다" in screen and "반복문이 끝나지 않는 것 같습니다" in screen
    assert light not in fork_servers(term.child.pid)

    # A deleted file, then a burst of saves that re-creates it by rename: one check, of the last one.
    term.save(step1, None)
    assert "파일이 없습니다: step1_data.py" in term.wait_for(editing(1, folder))
    term.save(step1, fill(1, MUTANTS["step1_lists"].bodies), by_rename=True)
    burst = term.mark
    for answer in (MUTANTS["step1_y_doubled"], MUTANTS["step1_from_zero"], solution_answer(1)):
        time.sleep(0.03)
        term.save(step1, fill(1, answer.bodies), by_rename=True)
    term.mark = burst
    screen = term.wait_for(editing(2, folder), timeout=90)  # step 2 may wait for TensorFlow's start
    assert (
        screen.count("1단계 검사 중") == 1
        and f"✓ 1. 데이터 구성  {PUBLIC_POINTS[1]}/{PUBLIC_POINTS[1]}" in screen
    )
    assert (
        f"1단계 통과! 이제 2단계: {step2}" in screen
        and f"✗ 2. 모델 구성  0/{PUBLIC_POINTS[2]} — 아직 풀지 않음" in screen
    )

    # Step 2 right at once: on to step 3, whose mistake gets its own advice.
    term.save(step2, fill(2, solution_answer(2).bodies))
    screen = term.wait_for(editing(3, folder))
    assert (
        f"✓ 2. 모델 구성  {PUBLIC_POINTS[2]}/{PUBLIC_POINTS[2]}" in screen
        and f"2단계 통과! 이제 3단계: {step3}" in screen
    )
    term.save(step3, fill(3, MUTANTS["step3_mae"].bodies))
    screen = term.wait_for(editing(3, folder))
    assert "✗ 3. 모델 컴파일" in screen and CHECKS["step3.loss"].hint["ko"] in screen

    # Ctrl+C: a clean stop.
    after = term.stop()
    assert term.child.exitstatus == 130 and INTERRUPTED in after
    assert "Traceback" not in term.raw and "KeyboardInterrupt" not in term.raw
    assert not list((tmp_path / "tmp").iterdir())  # the fork servers' folders are gone with them


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pty: Linux")
def test_a_session_in_english_moves_past_a_passed_step_and_stops_at_once_while_tensorflow_starts(tmp_path):
    folder = write_submission(tmp_path / "mine", {1: solution_answer(1)})
    (tmp_path / "tmp").mkdir()
    term = Terminal("watch", "--steps", str(folder), "--lang", "en", tmp=tmp_path / "tmp")
    screen = term.wait_for("Starting TensorFlow")
    one = f"{PUBLIC_POINTS[1]}/{PUBLIC_POINTS[1]}"
    assert f"✓ 1. Prepare the data  {one}" in screen and f"1 of 1 steps passed ({one} points)" in screen
    assert f"Step 1 passed! Next, step 2: {folder / 'step2_model.py'}" in screen
    stopping = time.monotonic()
    after = term.stop()
    assert time.monotonic() - stopping < 10 and term.child.exitstatus == 130
    assert INTERRUPTED in after and "Traceback" not in term.raw
    assert not list((tmp_path / "tmp").iterdir())  # TensorFlow's fork server too, still starting


def _ignore_and_block_ctrl_c() -> None:
    """What some launchers hand the program they start (nohup, an IDE's runner, a test harness):
    Ctrl+C's signal ignored and blocked. Python keeps both, and then Ctrl+C does nothing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pty: Linux")
def test_ctrl_c_stops_a_session_started_with_ctrl_c_ignored_and_blocked(tmp_path):
    folder = write_submission(tmp_path / "mine", {})
    (tmp_path / "tmp").mkdir()
    term = Terminal("watch", str(folder), tmp=tmp_path / "tmp", preexec_fn=_ignore_and_block_ctrl_c)
    term.wait_for(editing(1, folder))
    stopping = time.monotonic()
    after = term.stop()
    assert time.monotonic() - stopping < 10 and term.child.exitstatus == 130
    assert INTERRUPTED in after and "Traceback" not in term.raw


@pytest.mark.parametrize("output", [False, True])
def test_watch_folds_the_learners_prints_as_check_does_and_shows_them_all_with_output(tmp_path, output):
    body = "for n in range(8):\n    print('line', n)\nx = np.arange(1, 11)\nreturn x, x.copy()"
    folder = write_submission(tmp_path / "mine", {1: fill(1, {"make_data": body})})
    screen = io.StringIO()
    session = Session(folder, "en", Limits(timeout=20), Console(file=screen, width=120), output=output)
    try:
        assert session.check(STEP_BY_NUMBER[1]).passed
    finally:
        session.runners.close()
    shown = screen.getvalue()
    assert "│ line 7" in shown and ("│ line 0" in shown) is output
    assert ("last 5 of 8 lines" in shown) is not output


def test_watch_follows_the_step_files_from_inside_exercises_too(tmp_path, capsys, monkeypatch):
    course = tmp_path / "course"
    write_submission(course / "exercises", {})
    monkeypatch.chdir(course / "exercises")
    assert step_files_folder() == Path(".")  # what watch (and check) follow with no folder given
    monkeypatch.chdir(tmp_path)
    assert step_files_folder() is None and main(["watch", "--lang", "en"]) == 2
    assert "into exercises/ and run keras-course watch there" in capsys.readouterr().err


def test_watch_refuses_a_missing_folder_and_a_notebook_kindly(tmp_path, capsys):
    assert main(["watch", str(tmp_path / "nope")]) == 2
    assert "폴더가 없습니다" in capsys.readouterr().err
    (tmp_path / "keras01.ipynb").write_text("{}", encoding="utf-8")
    assert main(["watch", str(tmp_path), "--lang", "en"]) == 2
    assert "check a notebook with keras-course check" in capsys.readouterr().err


def test_a_burst_of_saves_is_one_save_seen_once_the_burst_is_over(tmp_path):
    folder = write_submission(tmp_path, {})
    files = StepFiles(folder)
    step2 = folder / STEP_BY_NUMBER[2].filename
    spacing = 2 * POLL_SECONDS  # saves further apart than two looks, closer than the settling time
    last_save = []

    def burst() -> None:
        for answer in ("step2_relu", "step2_no_input", "step2_swapped_5_3", "step2_two_inputs"):
            step2.write_text(fill(2, MUTANTS[answer].bodies), encoding="utf-8")
            last_save[:] = [time.monotonic()]
            time.sleep(spacing)

    writer = threading.Thread(target=burst)
    writer.start()
    saved = files.wait_for_save()
    seen = time.monotonic()
    writer.join()
    assert [step.number for step in saved] == [2]
    assert seen - last_save[0] >= SETTLE_SECONDS, "a save was taken in the middle of the burst"
