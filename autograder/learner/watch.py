"""`keras-course watch`: check the step you are editing each time you save it, as rustlings does.

It checks the steps in order until one does not pass, shows that step's table (the one
`check --step N` prints), then waits. Each save of a step file checks that step again; when it
passes, the watcher says so and goes on to the next step not yet passed. When all five pass it
says so and keeps watching (for the "Try more" experiments) until Ctrl+C.

Speed: the session keeps its fork servers warm (autograder.sandbox.runner, the same sandboxed children as
`check`): a light one for step 1, which needs no TensorFlow and is ready in about a second, and one
that imports TensorFlow once, started in the background at once. A re-check then costs only the
step's own run. A fork server that dies is started again, and a step it took down is run again.

The step files are polled (metadata and content, twenty times a second), not watched through inotify
and the like: five small files cost nothing to read, and polling sees every way an editor saves (in
place, by rename, delete and re-create) on every file system, WSL's Windows drives and network
folders included, with no compiled dependency for learners to install. A burst of writes counts as
one save once the files stay unchanged for SETTLE_SECONDS.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from rich.console import Console

from autograder.checks.registry import all_checks
from autograder.checks.report import StepReport, assess, render
from autograder.core.files import printable
from autograder.core.outcome import Outcome, Status
from autograder.core.steps import STEP_BY_NUMBER, STEPS, Step
from autograder.sandbox.child.contract import Limits
from autograder.sandbox.launch import Spawner, Zygote
from autograder.sandbox.runner import read_step_file, run_step, start_runner

POLL_SECONDS = 0.05
SETTLE_SECONDS = 0.2  # editors write in bursts (a temp file and a rename, a backup, a format-on-save)

MESSAGES = {
    "no_folder": {"ko": "폴더가 없습니다: {path}", "en": "no such folder: {path}"},
    "no_step_files": {
        "ko": "이 폴더에는 exercises/ 폴더도, 단계 파일(step1_data.py …)도 없습니다: {here}\n"
        "강좌 폴더(exercises/가 들어 있는 폴더)나 exercises/ 안으로 가서 keras-course watch를 실행하세요",
        "en": "This folder holds neither an exercises/ folder nor the step files (step1_data.py …): {here}\n"
        "Go to the course folder (the one holding exercises/) or into exercises/ and run keras-course watch there",
    },
    "notebook": {
        "ko": "watch는 단계 파일이 든 폴더(exercises/)를 지켜봅니다. 노트북은 keras-course check {path}로 검사하세요.",
        "en": "watch follows a folder of step files (exercises/); check a notebook with keras-course check {path}",
    },
    "header": {
        "ko": "keras-course watch — {folder}의 단계 파일을 저장할 때마다 다시 검사합니다 (끝내기: Ctrl+C)",
        "en": "keras-course watch — checks again each time you save a step file in {folder} (stop: Ctrl+C)",
    },
    "starting": {
        "ko": "TensorFlow를 준비하는 중입니다 (10초쯤 걸립니다)…",
        "en": "Starting TensorFlow (about 10 s)…",
    },
    "checking": {"ko": "{n}단계 검사 중: {file}", "en": "Checking step {n}: {file}"},
    "passed": {
        "ko": "{n}단계 통과! 이제 {next}단계: {file}",
        "en": "Step {n} passed! Next, step {next}: {file}",
    },
    "edit": {
        "ko": "{file} 파일을 고치고 저장하세요. 저장하면 다시 검사합니다. 힌트: keras-course hint {n}",
        "en": "Edit {file} and save it: it is checked again. A hint: keras-course hint {n}",
    },
    "all_passed": {
        "ko": "모든 단계를 통과했습니다! 계속 지켜보고 있으니 값을 바꿔 저장해 보세요 (더 해 보기). 끝내기: Ctrl+C",
        "en": "Every step passes! Still watching: change a value and save to see what happens (Try more). Stop: Ctrl+C",
    },
}


def file_states(folder: Path) -> dict[int, tuple[int | None, bytes | str]]:
    """Each step file's modification time and content (or why it cannot be read: missing, a link)."""
    states = {}
    for step in STEPS:
        path = folder / step.filename
        try:
            modified: int | None = os.lstat(path).st_mtime_ns
        except OSError:
            modified = None
        states[step.number] = (modified, read_step_file(path))
    return states


class StepFiles:
    """The learner's step files, polled: which of them were saved since the last look."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.states = file_states(folder)

    def wait_for_save(self) -> list[Step]:
        """Block until step files changed and then stayed unchanged for SETTLE_SECONDS; those steps."""
        changed: set[int] = set()
        last_change = 0.0
        while True:
            time.sleep(POLL_SECONDS)
            states = file_states(self.folder)
            news = {n for n, state in states.items() if state != self.states[n]}
            if news:
                changed |= news
                self.states, last_change = states, time.monotonic()
            elif changed and time.monotonic() - last_change >= SETTLE_SECONDS:
                return [STEP_BY_NUMBER[n] for n in sorted(changed)]


class WarmRunners:
    """The session's two fork servers, each started in the background at once and reused by every
    check: step 1's light one and TensorFlow's (autograder.sandbox.runner.start_runner chooses as `check`
    does: the sandbox where the machine has it)."""

    def __init__(self) -> None:
        self._closed = threading.Event()
        self._futures = {light: self._start(light) for light in (True, False)}

    def _start(self, light: bool) -> Future:
        future: Future = Future()

        def start() -> None:
            try:
                runner = start_runner(steps=(STEP_BY_NUMBER[1],) if light else STEPS)
            except Exception as exc:  # noqa: BLE001 - reported by the check that needs it
                future.set_exception(exc)
                return
            if self._closed.is_set():  # the session ended while it started: nobody else will close it
                runner.close(wait=2.0)
            future.set_result(runner)

        # A daemon thread: Ctrl+C need not wait for TensorFlow's import to finish.
        threading.Thread(target=start, daemon=True).start()
        return future

    def ready(self, step: Step) -> bool:
        """Whether `step`'s fork server is up, so its check waits for no start (nor TensorFlow import)."""
        future = self._futures[not step.needs_tensorflow]
        return future.done() and future.exception() is None and future.result().running

    def get(self, step: Step) -> Zygote | Spawner:
        """`step`'s fork server, waiting for its start; one that failed to start is tried again."""
        light = not step.needs_tensorflow
        if self._futures[light].done() and self._futures[light].exception() is not None:
            self._futures[light] = self._start(light)
        return self._futures[light].result()

    def close(self) -> None:
        self._closed.set()
        for future in self._futures.values():
            if future.done() and future.exception() is None:
                future.result().close(wait=2.0)


class Session:
    """One watch session: which step the learner is on, what passed, and the screen."""

    def __init__(
        self, folder: Path, lang: str, limits: Limits, console: Console, output: bool = False
    ) -> None:
        self.folder, self.lang, self.limits, self.console = folder, lang, limits, console
        self.output = output  # all the learner's prints under the table, as `check --output`
        self.runners = WarmRunners()
        self.checks = all_checks(include_hidden=False)
        self.passed: dict[int, bool] = {}  # verdicts of the files as they are now
        self.files = StepFiles(folder)

    def say(self, key: str, style: str = "", **fields: object) -> None:
        text = MESSAGES[key][self.lang].format(**fields)
        self.console.print(f"[{style}]{text}[/]" if style else text, highlight=False)

    def file(self, step: Step) -> str:
        return str(self.folder / step.filename)

    def check(self, step: Step) -> StepReport:
        """Run `step` as `check --step N` does, on a warm fork server; again on a new one if the fork
        server died under it (the learner's code cannot reach it: that is not the learner's fault)."""
        if step.needs_tensorflow and not self.runners.ready(step):
            self.say("starting", "dim")
        self.say("checking", "dim", n=step.number, file=self.file(step))
        for _attempt in range(2):
            try:
                runner = self.runners.get(step)
            except Exception as exc:  # noqa: BLE001 - a fork server that cannot start: said, retried next save
                outcome = Outcome(step.number, Status.CRASHED, {"message": printable(str(exc), 300)})
                break
            outcome = run_step(step, self.folder, self.limits, runner)
            if runner.running:
                break
        report = assess([outcome], self.checks)[0]
        self.passed[step.number] = report.passed
        render([report], self.lang, self.console, output=self.output)
        return report

    def next_unpassed(self, after: Step) -> Step | None:
        """The first step after `after` (then from step 1) not known to pass as its file is now."""
        order = [*STEPS[after.number :], *STEPS[: after.number - 1]]
        return next((step for step in order if not self.passed.get(step.number)), None)

    def advance(self, step: Step) -> None:
        """Check `step`; while it passes, say so and check the next step not yet passed."""
        while self.check(step).passed:
            following = self.next_unpassed(step)
            if following is None:
                self.say("all_passed", "bold green")
                return
            self.console.print()
            self.say("passed", "bold green", n=step.number, next=following.number, file=self.file(following))
            step = following
        self.say("edit", "bold", file=self.file(step), n=step.number)

    def new_screen(self) -> None:
        if self.console.is_terminal:
            self.console.clear()
        self.say("header", "dim", folder=self.folder)

    def run(self, first: Step) -> None:
        """Check from `first` on, then once per save, until interrupted."""
        self.new_screen()
        self.advance(first)
        while True:
            saved = self.files.wait_for_save()
            for step in saved:
                self.passed.pop(step.number, None)
            self.new_screen()
            self.advance(saved[0])


def watch_command(args: argparse.Namespace) -> int:
    from autograder.core.submissions import step_files_folder, student_path

    chosen = args.steps or args.path
    if chosen is None and (found := step_files_folder()) is None:
        print(MESSAGES["no_step_files"][args.lang].format(here=Path.cwd()), file=sys.stderr)
        return 2
    given = Path(chosen) if chosen is not None else found
    assert given is not None  # chosen, or else the folder just found
    folder = student_path(given) if given.is_dir() else given
    if folder.suffix == ".ipynb":
        print(MESSAGES["notebook"][args.lang].format(path=folder), file=sys.stderr)
        return 2
    if not folder.is_dir():
        print(MESSAGES["no_folder"][args.lang].format(path=given), file=sys.stderr)
        return 2
    previous = _stop_on_signals()
    console = Console(highlight=False)
    session = Session(folder, args.lang, Limits(timeout=args.timeout), console, output=args.output)
    try:
        session.run(STEP_BY_NUMBER[args.step or 1])
    finally:  # Ctrl+C (or a closed terminal): the only way out of a session
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C must not cut the clean-up short
        session.runners.close()
        with contextlib.suppress(OSError):  # the terminal may be gone
            console.print()
        for number, handler in previous.items():  # as they were: `watch` may run inside a larger program
            if handler is not None:
                signal.signal(number, handler)
    return 0  # not reached: the session ends by KeyboardInterrupt, which `keras-course` turns into 130


STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def _stop_on_signals() -> dict[int, Any]:
    """Ctrl+C (SIGINT) stops the session, and so does a closed terminal window (SIGTERM, SIGHUP): even
    when the program that started it ignores or blocks them (an IDE's runner, nohup, a test harness),
    which Python would otherwise keep, leaving Ctrl+C without effect. Returns the handlers replaced."""
    previous = {number: signal.signal(number, _interrupt) for number in STOP_SIGNALS}
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    return previous


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
