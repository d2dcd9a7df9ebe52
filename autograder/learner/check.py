"""`keras-course check`: run a learner's steps (a folder of step files, or a notebook's answer
cells) in the sandbox where there is one, and print what every check found."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from autograder.checks.registry import NO_HIDDEN, all_checks, hidden_available
from autograder.checks.report import assess, render, to_json
from autograder.core.steps import STEP_BY_NUMBER, STEPS
from autograder.sandbox.bubblewrap import missing_reason
from autograder.sandbox.child.contract import Limits
from autograder.sandbox.launch import ZygoteLost, unavailable_reason
from autograder.sandbox.runner import run_steps, start_runner

MESSAGES = {
    "checking": {"ko": "검사하는 중…", "en": "checking…"},
    "training": {
        "ko": "{step}단계 훈련 중: 에포크 {epoch}/{epochs}",
        "en": "step {step} training: epoch {epoch} of {epochs}",
    },
    "no_folder": {"ko": "폴더나 노트북이 없습니다: {path}", "en": "no such folder or notebook: {path}"},
    "no_step_files": {
        "ko": "이 폴더에는 exercises/ 폴더도, 단계 파일(step1_data.py …)도 없습니다: {here}\n"
        "강좌 폴더(exercises/가 들어 있는 폴더)나 exercises/ 안으로 가서 keras-course check를 실행하세요. "
        "폴더를 직접 적어도 됩니다: keras-course check 경로/exercises",
        "en": "This folder holds neither an exercises/ folder nor the step files (step1_data.py …): {here}\n"
        "Go to the course folder (the one holding exercises/) or into exercises/ and run keras-course check "
        "there, or name the folder: keras-course check PATH/exercises",
    },
    "bad_notebook": {"ko": "노트북을 읽을 수 없습니다: {why}", "en": "cannot read the notebook: {why}"},
    "no_runner": {
        "ko": "코드를 실행할 프로세스를 시작하지 못해 검사하지 않았습니다: {why}",
        "en": "not checked: the process that runs your code could not start: {why}",
    },
    "no_walls": {
        "ko": "검사하지 않았습니다: 이 컴퓨터에는 bubblewrap이 있지만 샌드박스를 만들 수 없습니다 ({why}).\n"
        "여러분의 코드를 제한(시간, 메모리)만 두고 실행하려면 --no-sandbox를 붙이세요.",
        "en": "not checked: this computer has bubblewrap but cannot build the sandbox ({why}).\n"
        "To run your code with limits (time, memory) only, add --no-sandbox.",
    },
}


def _sandboxed(args: argparse.Namespace) -> bool | None:
    """Whether `check` runs the steps in the sandbox; None when it must refuse. Where a sandbox is
    expected (Linux with bubblewrap: a grader's machine, a pod) but cannot be built, it refuses and
    says why; where none is expected (macOS, Windows, no bubblewrap: a learner's laptop) the
    learner's own code runs with its limits only, as without --no-sandbox."""
    if args.no_sandbox:
        return False
    if missing_reason() is not None:
        return False
    if why := unavailable_reason():
        print(MESSAGES["no_walls"][args.lang].format(why=why), file=sys.stderr)
        return None
    return True


@contextlib.contextmanager
def _progress_line(args: argparse.Namespace) -> Any:
    """In a terminal, one line that says the check is running, then which epoch a long step 4 is
    at (Keras' own `Epoch n/N` lines, read as they come); gone when the table is printed."""
    from rich.console import Console

    console = Console(stderr=True)
    if args.json or not console.is_terminal:
        yield None
        return
    words = {name: MESSAGES[name][args.lang] for name in ("checking", "training")}
    with console.status(words["checking"]) as status:
        yield lambda step, epoch, epochs: status.update(
            words["training"].format(step=step, epoch=epoch, epochs=epochs)
        )


def check_command(args: argparse.Namespace) -> int:
    """`keras-course check [PATH]`: run the steps of a folder or notebook and print the table; 0 when all pass."""
    from autograder.core.submissions import step_files_folder

    if args.path is None and (found := step_files_folder()) is None:
        print(MESSAGES["no_step_files"][args.lang].format(here=Path.cwd()), file=sys.stderr)
        return 2
    path = Path(args.path) if args.path is not None else found
    assert path is not None  # given, or else the folder just found
    if not (path.is_dir() or (path.is_file() and path.suffix == ".ipynb")):
        print(MESSAGES["no_folder"][args.lang].format(path=path), file=sys.stderr)
        return 2
    if args.hidden and not hidden_available():
        print(NO_HIDDEN[args.lang], file=sys.stderr)
    steps = (STEP_BY_NUMBER[args.step],) if args.step else STEPS
    with tempfile.TemporaryDirectory(prefix="keras-course-check-") as scratch:
        from autograder.core.submissions import InvalidSubmission, Submission, step_folder, student_path

        folder = path
        mine = Submission("you", path if path.suffix == ".ipynb" else student_path(path))
        if mine.is_notebook:  # its answer cells become the step files, as `grade` reads a notebook
            try:
                folder = step_folder(mine, Path(scratch))
            except InvalidSubmission as exc:
                print(MESSAGES["bad_notebook"][args.lang].format(why=exc.reason(args.lang)), file=sys.stderr)
                return 2
        sandboxed = _sandboxed(args)
        if sandboxed is None:
            return 2
        try:
            with start_runner(sandboxed, steps) as runner, _progress_line(args) as progress:
                limits = Limits(timeout=args.timeout)
                outcomes = run_steps(folder, steps, args.jobs, limits, runner, progress)
        except ZygoteLost as exc:
            print(MESSAGES["no_runner"][args.lang].format(why=exc), file=sys.stderr)
            return 2
    reports = assess(outcomes, all_checks(include_hidden=args.hidden))
    if args.json:
        print(json.dumps(to_json(reports, args.lang), ensure_ascii=False, indent=1))
    else:
        render(reports, args.lang, output=args.output)
    return 0 if all(r.passed for r in reports) else 1
