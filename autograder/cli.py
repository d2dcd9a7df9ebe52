"""The `keras-course` command: learners `check` their folder and read a `hint`; instructors `grade` a
class, build the learners' `release` and set up an nbgrader `course`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from autograder.checks import all_checks, hidden_available
from autograder.report import assess, render, to_json
from autograder.runner import Limits, run_steps
from autograder.steps import LANGUAGES, STEP_BY_NUMBER, STEPS

MESSAGES = {
    "no_folder": {"ko": "폴더가 없습니다: {path}", "en": "no such folder: {path}"},
    "no_hidden": {
        "ko": "숨은 검사는 이 설치에 없습니다 (강사용). 공개 검사만 실행합니다.",
        "en": "hidden checks are not installed here (instructors only); running the public checks.",
    },
    "hint": {"ko": "{n}단계 힌트 — {title}", "en": "Hint for step {n} — {title}"},
}


def default_lang() -> str:
    lang = os.environ.get("KERAS_COURSE_LANG", "ko")
    return lang if lang in LANGUAGES else "ko"


def _check(args: argparse.Namespace) -> int:
    folder = Path(args.path)
    if not folder.is_dir():
        print(MESSAGES["no_folder"][args.lang].format(path=folder), file=sys.stderr)
        return 2
    if args.hidden and not hidden_available():
        print(MESSAGES["no_hidden"][args.lang], file=sys.stderr)
    steps = (STEP_BY_NUMBER[args.step],) if args.step else STEPS
    outcomes = run_steps(folder, steps, jobs=args.jobs, limits=Limits(timeout=args.timeout))
    reports = assess(outcomes, all_checks(include_hidden=args.hidden))
    if args.json:
        print(json.dumps(to_json(reports, args.lang), ensure_ascii=False, indent=1))
    else:
        render(reports, args.lang)
    return 0 if all(r.passed for r in reports) else 1


def _grade(args: argparse.Namespace) -> int:
    from autograder.grade_cli import grade_command

    return grade_command(args)


def _gradescope(args: argparse.Namespace) -> int:
    from autograder.gradescope import gradescope_command

    return gradescope_command(args)


def _hint(args: argparse.Namespace) -> int:
    step = STEP_BY_NUMBER[args.step]
    print(MESSAGES["hint"][args.lang].format(n=step.number, title=step.title[args.lang]))
    print(step.hint[args.lang])
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="keras-course", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=LANGUAGES, default=default_lang(), help="ko (default) or en")

    check = sub.add_parser("check", parents=[lang], help="check your step files")
    check.add_argument("path", nargs="?", default="exercises", help="folder with step1..step5 files")
    check.add_argument("--step", type=int, choices=sorted(STEP_BY_NUMBER), help="only this step")
    check.add_argument("--hidden", action="store_true", help="also run the hidden checks, if installed")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--jobs", type=int, default=None, help="steps run in parallel (default: cores)")
    check.add_argument("--timeout", type=float, default=None, help="seconds per step (default: per step)")
    check.set_defaults(run=_check)

    grade = sub.add_parser("grade", parents=[lang], help="grade a class of submissions (instructors)")
    grade.add_argument("submissions", type=Path, help="one folder per student, or an nbgrader course")
    grade.add_argument("--out", type=Path, required=True, help="where grades.csv, grades.json, feedback/ go")
    grade.add_argument("--workers", type=int, default=None, help="steps run in parallel (default: cores)")
    grade.add_argument("--timeout", type=float, default=None, help="seconds per step (default: per step)")
    grade.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    grade.add_argument("--nbgrader", type=Path, metavar="COURSE_DIR", help="also write into this gradebook")
    grade.add_argument(
        "--no-sandbox",
        action="store_true",
        help="grade without the sandbox where it cannot run (learner code then reaches this machine)",
    )
    grade.set_defaults(run=_grade)

    gradescope = sub.add_parser(
        "gradescope", parents=[lang], help="grade one Gradescope upload (instructors)"
    )
    gradescope.add_argument(
        "submission", type=Path, help="the upload (on Gradescope: /autograder/submission)"
    )
    gradescope.add_argument("--results", type=Path, required=True, help="results.json to write")
    gradescope.add_argument(
        "--hidden-visibility",
        choices=("hidden", "after_due_date", "after_published", "visible"),
        default="after_published",
        help="when learners see the hidden checks' results (default: once grades are published)",
    )
    gradescope.set_defaults(run=_gradescope)

    hint = sub.add_parser("hint", parents=[lang], help="print the hint of a step")
    hint.add_argument("step", type=int, choices=sorted(STEP_BY_NUMBER))
    hint.set_defaults(run=_hint)
    from autograder.course_cli import register  # `release` and `course init` (instructors)

    register(sub)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
