"""Shared helpers: run learner answers through the real runner (real child processes, real Keras)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from autograder.checks.report import StepReport, assess
from autograder.core.steps import STEP_BY_NUMBER
from autograder.sandbox.child.contract import Limits
from autograder.sandbox.launch import Zygote
from autograder.sandbox.runner import run_step

from answers import Answer, write_submission

ROOT = Path(__file__).resolve().parent.parent


def _sigint_state() -> tuple[object, frozenset[int]]:
    """How this process handles SIGINT, and the signals its main thread blocks."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, []) if hasattr(signal, "pthread_sigmask") else ()
    return signal.getsignal(signal.SIGINT), frozenset(blocked)


@pytest.fixture(autouse=True)
def _sigint_state_put_back():
    """Each test starts with the SIGINT handling the run started with, whatever tests ran before it in
    this worker. Running a Jupyter kernel (nbclient) installs Python's default SIGINT handler and does
    not put back an ignored one (a run started as `make test &` ignores SIGINT), and every process a
    later test starts inherits the difference: a `watch` session in a pty then got Ctrl+C, or did not,
    depending on which tests xdist had sent to its worker before (test_watch.py also starts one with
    SIGINT ignored and blocked)."""
    before = _sigint_state()
    yield
    if _sigint_state() != before:
        signal.signal(signal.SIGINT, before[0])
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_SETMASK, before[1])


@pytest.fixture(scope="session")
def zygote():
    """One pre-warmed zygote per test process: TensorFlow is imported once, not once per test."""
    with Zygote() as warm:
        yield warm


@pytest.fixture(scope="session")
def grade_step(tmp_path_factory: pytest.TempPathFactory, zygote: Zygote):
    """grade_step(answer, timeout=None) -> StepReport of that answer's step, with hidden checks."""
    cache: dict[tuple[int, str, float | None], StepReport] = {}

    def grade(answer: Answer | str, step: int | None = None, timeout: float | None = None) -> StepReport:
        step = answer.step if isinstance(answer, Answer) else step
        key = (step, repr(answer), timeout)
        if key not in cache:
            folder = write_submission(tmp_path_factory.mktemp("submission"), {step: answer})
            outcome = run_step(STEP_BY_NUMBER[step], folder, Limits(timeout=timeout), zygote)
            cache[key] = assess([outcome])[0]
        return cache[key]

    return grade


def failed_ids(report: StepReport) -> set[str]:
    return {v.check.id for v in report.verdicts if not v.passed}


@pytest.fixture(scope="session")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the held-out class, OUT of one `keras-course grade` over it): what every engine must match."""
    from cluster import keras_course, make_class

    work = tmp_path_factory.mktemp("one-run")
    root = make_class(work / "class")
    single = keras_course("grade", str(root), "--out", str(work / "single"), "--lang", "en")
    assert single.returncode == 1, single.stderr[-3000:]  # jay's empty folder failed
    return root, work / "single"
