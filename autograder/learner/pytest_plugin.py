"""The pytest plugin (entry point `keras_course`): run the checks with plain `pytest`.

    pytest exercises/                      # the public checks of exercises/*_test.py
    pytest exercises/ --hidden             # and the hidden ones, where they are installed
    pytest exercises/ --steps solutions/   # the checks on another folder of step files
    pytest exercises/ -k step2 --lang en   # one step; messages in English
    pytest exercises/ --waiting-fails      # a check waiting for its step's first ✗ fails, not skips

The fixture `step<N>` is the plain data the sandboxed child exported for step N of the folder
beside the check file (or --steps). Every step a session needs runs once, in parallel, in its own
child (autograder.sandbox.runner, the same as `keras-course check`), before the first check reads it.
A check test is called through autograder.checks.judging.judge, so pytest, `check`, `grade` and the nbgrader
notebook give the same verdicts; a failure shows what was expected, what was found and what to try.
The plugin does nothing in a session without checks. Turn it off with `-p no:keras_course`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from autograder.core.steps import LANGUAGES, STEPS, default_lang

if TYPE_CHECKING:
    from autograder.checks.judging import Verdict
    from autograder.checks.library import Check
    from autograder.core.outcome import Outcome

MESSAGES = {
    "one_folder": {
        "ko": "숨은 검사가 검사할 폴더를 정할 수 없습니다: --steps 폴더를 주세요",
        "en": "cannot tell which folder the hidden checks should check: pass --steps DIR",
    },
    "score": {"ko": "{step}단계: {score}/{max}점", "en": "step {step}: {score}/{max} points"},
    "total": {"ko": "합계: {score}/{max}점", "en": "total: {score}/{max} points"},
}
PLAN = pytest.StashKey[dict]()  # (folder, step) -> Outcome, filled on first use
VERDICTS = pytest.StashKey[dict]()  # nodeid -> Verdict
CHECK = pytest.StashKey["Check"]()
FOLDER = pytest.StashKey[Path]()
SELECTED = pytest.StashKey[list]()  # the check items this session runs, after -k and -m


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("keras-course", "keras-course checks")
    group.addoption("--hidden", action="store_true", help="also run the hidden checks, if installed")
    group.addoption("--lang", choices=LANGUAGES, default=default_lang(), help="ko (default) or en")
    group.addoption("--steps", metavar="DIR", help="folder of step files (default: the check file's)")
    group.addoption(
        "--waiting-fails",
        action="store_true",
        help="report a check that waits for an earlier failure of its step as failed, not skipped "
        "(for graders that count a skip as a pass, such as GitHub Classroom's)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "check(id, points, hidden, needs, title, expected, hint): a check")
    config.stash[PLAN] = {}
    config.stash[VERDICTS] = {}
    if config.getoption("hidden"):
        from autograder.checks.registry import HIDDEN, NO_HIDDEN, hidden_available

        if not hidden_available():
            config.issue_config_time_warning(
                pytest.PytestConfigWarning(NO_HIDDEN[config.getoption("lang")]), stacklevel=2
            )
            return
        import importlib

        hidden_init = importlib.import_module(HIDDEN).__file__
        assert hidden_init is not None  # a package of files (hidden_available found it)
        package = Path(hidden_init).parent
        config.args.extend(str(p) for p in sorted(package.glob("step*.py")))


def _check(item: pytest.Item) -> Check | None:
    if not isinstance(item, pytest.Function) or item.get_closest_marker("check") is None:
        return None
    from autograder.checks.library import check_of

    return check_of(item.obj)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    """Tag each check with what JUnit XML and other reports record, and find the folder it checks:
    --steps, else the folder of its test file; the installed hidden checks (--hidden) check the one
    folder the session's other check files are in."""
    from autograder import checks

    package = Path(checks.__file__).parent
    tagged = [(item, check) for item in items if (check := _check(item)) is not None]
    beside = {item.path.parent for item, _ in tagged if not item.path.is_relative_to(package)}
    for item, check in tagged:
        item.stash[CHECK] = check
        item.user_properties += [
            ("check", check.id),
            ("step", check.step),
            ("points", check.points),
            ("hidden", str(check.hidden).lower()),
        ]
        if config.getoption("steps"):
            item.stash[FOLDER] = Path(config.getoption("steps"))
        elif not item.path.is_relative_to(package):
            item.stash[FOLDER] = item.path.parent
        elif len(beside) == 1:
            item.stash[FOLDER] = next(iter(beside))
        else:
            raise pytest.UsageError(MESSAGES["one_folder"][config.getoption("lang")])


def pytest_collection_finish(session: pytest.Session) -> None:
    session.config.stash[SELECTED] = [item for item in session.items if CHECK in item.stash]


def _run_planned(session: pytest.Session) -> dict[tuple[Path, int], Outcome]:
    """Run every (folder, step) the selected checks read, once, in parallel, slowest step first."""
    from autograder.core.steps import STEP_BY_NUMBER, slowest_first
    from autograder.sandbox.child.contract import Limits
    from autograder.sandbox.runner import run_step, start_runner

    plan = session.config.stash[PLAN]
    if plan:
        return plan
    wanted = {(item.stash[FOLDER], item.stash[CHECK].step) for item in session.config.stash[SELECTED]}
    steps = slowest_first(STEP_BY_NUMBER[number] for number in {number for _, number in wanted})
    order = [(folder, s.number) for s in steps for folder in sorted({f for f, n in wanted if n == s.number})]
    with (
        start_runner(steps=tuple(steps)) as runner,
        ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool,
    ):
        outcomes = pool.map(lambda pair: run_step(STEP_BY_NUMBER[pair[1]], pair[0], Limits(), runner), order)
        plan.update(zip(order, outcomes))
    return plan


def _step_fixture(number: int) -> Any:
    @pytest.fixture(name=f"step{number}")
    def exported(request: pytest.FixtureRequest) -> Outcome:
        return _run_planned(request.session)[(request.node.stash[FOLDER], number)]

    exported.__doc__ = f"The plain data the sandboxed child exported for step {number} of the folder."

    return exported


# pytest finds a plugin's fixtures among its module's names: one `step<N>` fixture per step in STEPS.
globals().update({f"step{step.number}_data": _step_fixture(step.number) for step in STEPS})


def failure_text(verdict: Verdict, lang: str) -> str:
    check = verdict.check
    return f"[{check.id}] {check.title[lang]}\n{verdict.message(lang)}"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Call a check through judge(), the one way every grader runs it."""
    check = pyfuncitem.stash.get(CHECK, None)
    if check is None:
        return None
    from autograder.checks.judging import judge

    outcome = cast("Outcome", pyfuncitem.funcargs[f"step{check.step}"])  # the fixture step<N>
    verdict = judge(check, outcome)
    pyfuncitem.config.stash[VERDICTS][pyfuncitem.nodeid] = verdict
    if not verdict.passed:
        lang = pyfuncitem.config.getoption("lang")
        if verdict.skipped and not pyfuncitem.config.getoption("waiting_fails"):
            pytest.skip(failure_text(verdict, lang))  # the step's ✗ says it all; scored 0 all the same
        if outcome.output and not verdict.skipped:  # shown under the step's first ✗, as a test's prints
            pyfuncitem.add_report_section("call", "stdout", outcome.output + "\n")
        pytest.fail(failure_text(verdict, lang), pytrace=False)
    return True


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Points per step, as `keras-course check` counts them (a check that did not run scores 0)."""
    items = config.stash.get(SELECTED, [])
    if not items:
        return
    lang = config.getoption("lang")
    verdicts = config.stash[VERDICTS]
    terminalreporter.section("keras-course")
    by_step: dict[int, list[int]] = {}
    for item in items:
        check = item.stash[CHECK]
        verdict = verdicts.get(item.nodeid)
        score = by_step.setdefault(check.step, [0, 0])
        score[0] += verdict.points if verdict is not None else 0
        score[1] += check.points
    for step, (points, most) in sorted(by_step.items()):
        terminalreporter.write_line(MESSAGES["score"][lang].format(step=step, score=points, max=most))
    total = [sum(s[0] for s in by_step.values()), sum(s[1] for s in by_step.values())]
    terminalreporter.write_line(MESSAGES["total"][lang].format(score=total[0], max=total[1]), bold=True)
    if not any(item.stash[CHECK].hidden for item in items):
        from autograder.checks.report import PUBLIC_ONLY, hidden_also

        terminalreporter.write_line(PUBLIC_ONLY[lang])
        passed = [
            step
            for step in by_step
            if all(
                verdicts.get(i.nodeid) and verdicts[i.nodeid].passed
                for i in items
                if i.stash[CHECK].step == step
            )
        ]
        for line in hidden_also(passed, lang):
            terminalreporter.write_line(line)
