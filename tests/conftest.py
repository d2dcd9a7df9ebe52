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


def _ctrl_c_state() -> tuple[object, frozenset[int]]:
    """How this process handles SIGINT, and the signals its main thread blocks."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, []) if hasattr(signal, "pthread_sigmask") else ()
    return signal.getsignal(signal.SIGINT), frozenset(blocked)


@pytest.fixture(autouse=True)
def _ctrl_c_left_as_it_was():
    """Every test leaves the worker's SIGINT handling as it found it: each process a later test starts
    (a `watch` session in a pty, say) inherits an ignored or blocked SIGINT, and there Ctrl+C does
    nothing. The test that changed it errors, and the state is put back."""
    before = _ctrl_c_state()
    yield
    after = _ctrl_c_state()
    if after != before:
        signal.signal(signal.SIGINT, before[0])
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_SETMASK, before[1])
        pytest.fail(f"this test changed how the worker handles SIGINT: {before} -> {after}")


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
