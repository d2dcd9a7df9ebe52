"""The `keras-course` command: learners `check` their folder (or `watch` it: a check on every save) and
read a `hint`; instructors `grade` a class, build the learners' `release` and set up an nbgrader `course`;
maintainers `dev check` that every step has all its pieces.

Only the arguments, in one parser as `--help` shows them: the learners' commands live in
autograder/learner/ (check, hint, watch), the instructors' behind one guard (INSTRUCTOR_COMMANDS)."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import signal
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from autograder.core.steps import LANGUAGES, STEP_BY_NUMBER, STEPS, default_lang

# Ctrl+C can come before the language is known (while the arguments are read): both languages, one line.
INTERRUPTED = "keras-course: Ctrl+C로 멈췄습니다 / stopped by Ctrl+C"
# The shell's convention for a program ended by SIGINT: 128 + 2.
EXIT_INTERRUPTED = 128 + signal.SIGINT


Handler = Callable[[argparse.Namespace], int]

# The instructors' commands and the package each needs. The learners' install (keras-course-learner,
# built by `keras-course release`) holds neither package: there they are not listed, and typed they
# say so in one line and exit 2.
INSTRUCTOR_COMMANDS = {
    "grade": "autograder.grading",
    "merge": "autograder.grading",
    "gradescope": "autograder.grading",
    "release": "autograder.authoring",
    "gradescope-bundle": "autograder.authoring",
    "course": "autograder.authoring",
    "dev": "sitegen",  # the maintainers': only in a checkout of the repository (CHECKOUT)
}
# Where the package runs from a checkout (an editable install, `python -m`), the repository: sitegen/
# sits beside autograder/ there, never in an install.
CHECKOUT = Path(__file__).resolve().parents[1]
NOT_INSTALLED = (
    "keras-course {command}: 강사용 명령이라 학습자용 설치에는 없습니다 / "
    "an instructor command, not part of the learners' install"
)
LEARNERS_DESCRIPTION = (
    "The `keras-course` command: `check` your exercises (or `watch` them: a check on every save) "
    "and read a `hint`."
)


def _installed(package: str) -> bool:
    """Whether this install holds `package` (found, not imported), or a checkout holds it beside the
    package (sitegen, which pytest and `python -m` find from the repository's root only)."""
    try:
        if importlib.util.find_spec(package) is not None:
            return True
    except ModuleNotFoundError:
        pass
    return "." not in package and (CHECKOUT / package / "__init__.py").is_file()


def _not_installed(args: argparse.Namespace) -> int:
    print(NOT_INSTALLED.format(command=args.command), file=sys.stderr)
    return 2


def _instructor_parser(sub: argparse._SubParsersAction, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    """The parser of an instructor's command; where its package is not installed, an unlisted command
    that takes any arguments and says so, and a detached parser for the caller to fill in vain."""
    if _installed(INSTRUCTOR_COMMANDS[name]):
        return sub.add_parser(name, **kwargs)
    absent = sub.add_parser(name, add_help=False, prefix_chars="\0")  # no help=: not listed
    absent.add_argument("ignored", nargs=argparse.REMAINDER)
    absent.set_defaults(run=_not_installed)
    return argparse.ArgumentParser(add_help=False)


def _check(args: argparse.Namespace) -> int:
    from autograder.learner.check import check_command

    return check_command(args)


def _hint(args: argparse.Namespace) -> int:
    from autograder.learner.hint import hint_command

    return hint_command(args)


def _watch(args: argparse.Namespace) -> int:
    from autograder.learner.watch import watch_command

    return watch_command(args)


def _grade(args: argparse.Namespace) -> int:
    from autograder.grading.commands import grade_command

    return grade_command(args)


def _merge(args: argparse.Namespace) -> int:
    from autograder.grading.commands import merge_command

    return merge_command(args)


def _gradescope(args: argparse.Namespace) -> int:
    from autograder.grading.gradescope import gradescope_command

    return gradescope_command(args)


def version() -> str:
    """The installed distribution's version: whichever distribution holds this package (the
    repository's keras-course, or a learners' package built from it)."""
    names = metadata.packages_distributions().get(__name__.partition(".")[0], ["keras-course"])
    for name in dict.fromkeys(names):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown (not installed: pip install .)"


class _Version(argparse.Action):
    """`--version`: looked up only when asked (reading the installed distributions takes a moment)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit()


def parser() -> argparse.ArgumentParser:
    learners = not any(_installed(package) for package in set(INSTRUCTOR_COMMANDS.values()))
    root = argparse.ArgumentParser(
        prog="keras-course", description=LEARNERS_DESCRIPTION if learners else __doc__
    )
    root.add_argument("--version", action=_Version, help="print the version and exit")
    # --lang goes before the subcommand or after it (after wins): the root holds the default, and the
    # subcommands' own --lang sets it only when given.
    languages = "ko (default; or the KERAS_COURSE_LANG variable) or en"
    root.add_argument("--lang", choices=LANGUAGES, default=default_lang(), help=languages)
    sub = root.add_subparsers(dest="command", required=True)
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=languages)

    check = sub.add_parser("check", parents=[lang], help="check your step files")
    check.add_argument(
        "path",
        nargs="?",
        default=None,
        help="folder with step1..step5 files, or a notebook (default: exercises/, or this folder when "
        "it holds the step files)",
    )
    check.add_argument("--step", type=int, choices=sorted(STEP_BY_NUMBER), help="only this step")
    check.add_argument("--hidden", action="store_true", help="also run the hidden checks, if installed")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument("--output", action="store_true", help="show all your code printed, not the last lines")
    check.add_argument("--jobs", type=int, default=None, help="steps run in parallel (default: cores)")
    check.add_argument("--timeout", type=float, default=None, help="seconds per step (default: per step)")
    check.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run where bubblewrap is installed but cannot build the sandbox (limits only)",
    )
    check.set_defaults(run=_check)

    watch = sub.add_parser(
        "watch",
        parents=[lang],
        help="check a step each time you save its file (stop: Ctrl+C)",
        description="Check the first step not yet passed, then check a step again each time you save "
        "its file, and go on to the next step when it passes. It keeps this terminal: edit in your "
        "editor (or a second terminal) and stop it with Ctrl+C.",
    )
    watch.add_argument(
        "path", nargs="?", help="folder with step1..step5 files (default: exercises/, or here inside it)"
    )
    watch.add_argument("--steps", metavar="DIR", help="the same folder, given as pytest's --steps")
    watch.add_argument(
        "--step", type=int, choices=sorted(STEP_BY_NUMBER), help="start with this step (default: step 1)"
    )
    watch.add_argument("--timeout", type=float, default=None, help="seconds per step (default: per step)")
    watch.add_argument("--output", action="store_true", help="show all your code printed, not the last lines")
    watch.set_defaults(run=_watch)

    grade = _instructor_parser(
        sub, "grade", parents=[lang], help="grade a class of submissions (instructors)"
    )
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
    grade.add_argument(
        "--shard",
        metavar="K/N",
        help="grade only the K-th of N slices of the class (K from 0) into OUT/shard-K-of-N/; "
        "auto/N reads K from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX",
    )
    grade.set_defaults(run=_grade)

    merge = _instructor_parser(
        sub, "merge", parents=[lang], help="join the shards of a class into one OUT (instructors)"
    )
    merge.add_argument(
        "parts", type=Path, nargs="+", metavar="PART", help="shard-K-of-N folders, or the folder holding them"
    )
    merge.add_argument(
        "--out", type=Path, required=True, help="a new folder: grades.csv, grades.json, feedback/"
    )
    merge.add_argument("--nbgrader", type=Path, metavar="COURSE_DIR", help="also write into this gradebook")
    merge.set_defaults(run=_merge)

    gradescope = _instructor_parser(
        sub, "gradescope", parents=[lang], help="grade one Gradescope upload (instructors)"
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

    hint = sub.add_parser(
        "hint",
        parents=[lang],
        help="the next hint of a step (a nudge first)",
        description="Show step N's next hint: a nudge first, the answer's lines last. `hint N --reset` "
        "starts step N's hints again from the first; `hint --reset` (no N) does so for every step.",
    )
    hint.add_argument(
        "step",
        type=int,
        nargs="?",
        choices=sorted(STEP_BY_NUMBER),
        metavar="N",
        help=f"the step, 1 to {len(STEPS)}",
    )
    hint.add_argument("--all", action="store_true", help="every hint of the step, the answer's lines last")
    hint.add_argument(
        "--reset",
        action="store_true",
        help="start step N's hints again from the first (with no N: every step's)",
    )
    hint.set_defaults(run=_hint)
    _instructor_course_commands(sub)
    listed = [n for n in sub.choices if n not in INSTRUCTOR_COMMANDS or _installed(INSTRUCTOR_COMMANDS[n])]
    sub.metavar = "{" + ",".join(listed) + "}"
    return root


def _release(args: argparse.Namespace) -> int:
    from autograder.authoring.release import release_command

    return release_command(args)


def _gradescope_bundle(args: argparse.Namespace) -> int:
    from autograder.authoring.release import gradescope_bundle_command

    return gradescope_bundle_command(args)


def _course_init(args: argparse.Namespace) -> int:
    from autograder.authoring.release import course_init_command

    return course_init_command(args)


def _dev_check(args: argparse.Namespace) -> int:
    """Started as a program, in the checkout: the package never imports the site generator."""
    import subprocess

    return subprocess.run([sys.executable, "-m", "sitegen.dev_check"], cwd=CHECKOUT).returncode


def _instructors_only(handler: Handler) -> Handler:
    """A clear one-line error, not a traceback, where an instructor's package is not installed (a
    learner's release holds only the learner-facing packages)."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except ModuleNotFoundError as exc:
            print(f"keras-course {args.command}: {exc}", file=sys.stderr)
            return 2

    return run


def _instructor_course_commands(sub: argparse._SubParsersAction) -> None:
    """`release`, `gradescope-bundle` and `course init`, run by autograder.authoring.release; `dev check`,
    run by sitegen/dev_check.py."""
    release = _instructor_parser(sub, "release", help="build the learners' release and wheel (instructors)")
    release.add_argument("out", help="folder to create")
    release.add_argument("--force", action="store_true", help="replace OUT if it exists")
    release.set_defaults(run=_instructors_only(_release))

    bundle = _instructor_parser(
        sub, "gradescope-bundle", help="build the autograder zip for Gradescope (instructors)"
    )
    bundle.add_argument("out", help="zip file to create, e.g. autograder.zip")
    bundle.add_argument("--force", action="store_true", help="replace OUT if it exists")
    bundle.set_defaults(run=_instructors_only(_gradescope_bundle))

    course = _instructor_parser(sub, "course", help="nbgrader course tools (instructors)")
    actions = course.add_subparsers(dest="action", required=True)
    init = actions.add_parser("init", help="set up a fresh nbgrader course folder")
    init.add_argument("dir", help="course folder to create")
    init.add_argument(
        "--course-id", default="keras-course", help="nbgrader course id (default: keras-course)"
    )
    init.add_argument("--exchange", default="", help="exchange folder (default: DIR/exchange)")
    init.add_argument("--students", help="CSV of students (id,last_name,first_name,email); default: a sample")
    init.add_argument("--force", action="store_true", help="replace DIR if it exists")
    init.set_defaults(run=_instructors_only(_course_init))

    dev = _instructor_parser(sub, "dev", help="the repository's own checks (maintainers, in a checkout)")
    tools = dev.add_subparsers(dest="action", required=True)
    tools.add_parser(
        "check",
        help="name every missing or stale piece of each step, with its fix (no TensorFlow)",
        description="Walk the steps of autograder/core/steps.py: solution, stub, checks, the code that "
        "knows each step, docs pages and nav, words and generated files. Exit 1 with one line per "
        "problem, each with its fix.",
    ).set_defaults(run=_dev_check)


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status. Ctrl+C ends any command with EXIT_INTERRUPTED and one line,
    no traceback: each command has already ended its children and kept what it finished (`grade`
    keeps the students graded so far; a rerun goes on from there)."""
    try:
        args = parser().parse_args(argv)
        return args.run(args)
    except KeyboardInterrupt:
        return interrupted()


def interrupted() -> int:
    """Say that Ctrl+C stopped the command, on stderr; EXIT_INTERRUPTED. A second Ctrl+C while the
    interpreter finishes (its threads end) must not print a traceback either."""
    with contextlib.suppress(ValueError):  # ValueError: main() was called outside the main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        print(INTERRUPTED, file=sys.stderr, flush=True)
    except OSError:  # the terminal is gone
        pass
    return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
