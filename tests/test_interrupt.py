"""Ctrl+C, for real: `keras-course check` and `grade` started as a terminal starts them (a process
group of their own), stopped by SIGINT to that group once they are working. Each must end with exit
status 130 and one line, no traceback, nothing left running (its fork server, the sandbox, the steps),
and `grade` must keep every student it had written: a rerun goes on from there.
(`watch` is stopped by Ctrl+C in a pseudo-terminal in tests/test_watch.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from autograder.cli import EXIT_INTERRUPTED, INTERRUPTED
from autograder.core.steps import STEPS
from autograder.sandbox.child.contract import Job, Limits
from autograder.sandbox.launch import ZygoteLost

from answers import BROKEN, write_submission
from conftest import ROOT

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
    pytest.mark.xdist_group("interrupt"),
]

SOLUTIONS = {step.number: (ROOT / "solutions" / step.filename).read_text() for step in STEPS}
ZYGOTE = b"autograder.sandbox.child.zygote"


def processes() -> dict[int, dict]:
    """Every process now: its parent, session, start time (a pid used again is another process) and state."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        table[int(stat.parent.name)] = {
            "state": fields[0],
            "ppid": int(fields[1]),
            "sid": int(fields[3]),
            "start": int(fields[19]),
            "cmdline": cmdline,
        }
    return table


def descendants(pid: int, table: dict[int, dict]) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        children = {p for p, row in table.items() if row["ppid"] == parent and p not in found}
        found |= children
        todo.extend(children)
    return found


class Command:
    """`keras-course ARGS` in a session (and process group) of its own, as a shell runs it, with
    every process it starts remembered (by pid and start time) and every session they open."""

    def __init__(self, *args: str, tmp: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KERAS_COURSE_")}
        env |= {"TMPDIR": str(tmp), "PYTHONFAULTHANDLER": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.seen: set[tuple[int, int]] = set()
        self.sessions = {self.process.pid}

    def look(self) -> dict[int, dict]:
        """Remember the processes under the command now; them (pid -> /proc row)."""
        table = processes()
        under = {p: table[p] for p in descendants(self.process.pid, table)}
        self.seen |= {(p, row["start"]) for p, row in under.items()}
        self.sessions |= {row["sid"] for row in under.values()}
        return under

    def wait_until(self, ready: Callable[[dict[int, dict]], bool], timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not ready(self.look()):
            assert self.process.poll() is None, self.process.communicate()
            assert time.monotonic() < deadline, f"not ready after {timeout} s"
            time.sleep(0.05)

    def ctrl_c(self, timeout: float = 60) -> tuple[float, str, str]:
        """SIGINT to its process group, as Ctrl+C in a terminal; (seconds until it ended, stdout, stderr)."""
        self.look()
        sent = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:  # say where it hangs: the fault handler prints every thread
            self.process.send_signal(signal.SIGABRT)
            out, err = self.process.communicate()
            raise AssertionError(f"still running {timeout} s after Ctrl+C:\n{err[-6000:]}") from None
        return time.monotonic() - sent, out, err

    def left_running(self, grace: float = 10) -> list[str]:
        """Processes it started, or in a session it or they opened, still alive (zombies are dead)."""
        deadline = time.monotonic() + grace
        while True:
            left = [
                f"{pid} {row['state']} {row['cmdline'][:120]!r}"
                for pid, row in processes().items()
                if row["state"] not in "ZX"
                and ((pid, row["start"]) in self.seen or row["sid"] in self.sessions)
            ]
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)


def keeper_running(under: dict[int, dict]) -> bool:
    """A step is running: the fork server has forked a keeper (a zygote under a zygote)."""
    zygotes = {p for p, row in under.items() if ZYGOTE in row["cmdline"]}
    return any(under[p]["ppid"] in zygotes for p in zygotes)


def step_running_for(seconds: float) -> Callable[[dict[int, dict]], bool]:
    """A step's runner (under its keeper, under the fork server) has run learner code for `seconds`:
    not the sandbox's probe, whose runner ends at once."""
    first_seen: dict[tuple[int, int], float] = {}

    def ready(under: dict[int, dict]) -> bool:
        zygotes = {p for p, row in under.items() if ZYGOTE in row["cmdline"]}
        keepers = {p for p in zygotes if under[p]["ppid"] in zygotes}
        runners = {(p, under[p]["start"]) for p in zygotes if under[p]["ppid"] in keepers}
        now = time.monotonic()
        return any(now - first_seen.setdefault(runner, now) >= seconds for runner in runners)

    return ready


def test_ctrl_c_ends_check_while_its_steps_run(tmp_path):
    folder = write_submission(tmp_path / "mine", SOLUTIONS)
    (tmp_path / "tmp").mkdir()
    check = Command("check", str(folder), tmp=tmp_path / "tmp")
    check.wait_until(step_running_for(1.0))
    seconds, out, err = check.ctrl_c()
    assert check.process.returncode == EXIT_INTERRUPTED == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip() == INTERRUPTED and "Ctrl+C로 멈췄습니다" in err and "stopped by Ctrl+C" in err
    assert seconds < 10, seconds
    assert len(check.seen) >= 3  # bubblewrap (or the fork server) and a step's keeper, at least
    assert check.left_running() == []
    assert not list((tmp_path / "tmp").iterdir())  # the fork server's folders are gone too


def _graded(out: Path) -> dict:
    try:
        return json.loads((out / "grades.json").read_text(encoding="utf-8"))["students"]
    except (OSError, ValueError, KeyError):
        return {}


@pytest.mark.parametrize("sandbox", ["sandbox", "no-sandbox"])
def test_ctrl_c_ends_grade_keeping_the_students_graded_and_a_rerun_goes_on(tmp_path, sandbox):
    root = tmp_path / "class"
    write_submission(root / "ana", {})  # the stubs: graded in seconds
    write_submission(root / "ben", SOLUTIONS)
    write_submission(root / "cho", SOLUTIONS)
    out = tmp_path / "grades"
    (tmp_path / "tmp").mkdir()
    args = ["grade", str(root), "--out", str(out), "--workers", "1", "--lang", "en"]
    args += ["--no-sandbox"] if sandbox == "no-sandbox" else []
    grade = Command(*args, tmp=tmp_path / "tmp")
    grade.wait_until(lambda under: bool(_graded(out)) and keeper_running(under))  # ben's steps run
    seconds, _, err = grade.ctrl_c()
    assert grade.process.returncode == 130, err
    assert "Traceback" not in err and err.strip().endswith(INTERRUPTED)
    assert seconds < 10, seconds
    assert grade.left_running() == []
    assert not list((tmp_path / "tmp").iterdir())

    # Written whole, and only who was finished: ana; ben, cut short, is not written as failed.
    students = json.loads((out / "grades.json").read_text(encoding="utf-8"))["students"]
    assert list(students) == ["ana"] and students["ana"]["status"] == "graded"
    assert students["ana"]["total"] == 0 and students["ana"]["hash"]
    assert (out / "grades.csv").read_text().splitlines()[1:] == ["ana,0,0,0,0,0,0,graded"]
    if sandbox == "no-sandbox":
        return
    rerun = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", str(root), "--out", str(out), "--lang", "en"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "1 unchanged since the last run" in rerun.stderr
    students = json.loads((out / "grades.json").read_text(encoding="utf-8"))["students"]
    assert [row["status"] for row in students.values()] == ["graded"] * 3
    assert students["ben"]["total"] == students["cho"]["total"] > 0


def test_closing_the_spawning_runner_used_off_linux_ends_its_running_steps(tmp_path):
    """Off Linux each step is a process of its own (Spawner), in a session of its own that Ctrl+C does
    not reach: closing the runner, as `check` and `grade` do on Ctrl+C, must end it, not wait for it."""
    from autograder.sandbox.launch import Spawner
    from autograder.sandbox.runner import run_step

    loop = write_submission(tmp_path / "loop", {1: BROKEN["step1_endless_loop"][0]})
    spawner = Spawner()
    result: dict = {}
    worker = threading.Thread(
        target=lambda: result.update(outcome=run_step(STEPS[0], loop, Limits(), spawner))
    )
    worker.start()
    deadline = time.monotonic() + 60
    while not any(b"autograder.sandbox.child.harness" in row["cmdline"] for row in processes().values()):
        assert time.monotonic() < deadline and worker.is_alive()
        time.sleep(0.05)
    under = {
        p: row for p, row in processes().items() if b"autograder.sandbox.child.harness" in row["cmdline"]
    }
    closing = time.monotonic()
    spawner.close()
    worker.join(timeout=30)
    assert not worker.is_alive() and time.monotonic() - closing < 5
    assert result["outcome"].lost  # not the learner's verdict: a rerun runs it
    assert all(p not in processes() or processes()[p]["state"] in "ZX" for p in under)
    with pytest.raises(ZygoteLost):  # and it starts no more
        spawner.run(Job(1, "step1_data.py", b"", Limits(timeout=5.0)), tmp_path)
