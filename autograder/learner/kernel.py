"""The nbgrader notebook's test cells: judge one check of the shared check library in the notebook's kernel.

    from autograder.learner.kernel import assert_check

    assert_check("step2.dense_units", globals())

Each test cell judges one check. The step's functions run once per step on the grader's reference
inputs (harness.run_namespace, the same export the child-process grader makes), so a wrong step 1
costs only step 1, and the step's other test cells reuse that result. Nothing here may reach stderr:
nbgrader scores a test cell that wrote anything there as zero, even when its check passed.

Honest limit: this runs in the learner's own kernel, so a determined learner can tamper with it. It
runs in `nbgrader validate`; the course's `nbgrader autograde` does not run it (its test cells get their
verdicts from the sandbox: autograder.grading.nbgrader_autograde), nor does `keras-course check`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Mapping
from types import SimpleNamespace
from typing import Any

from autograder.checks.judging import Verdict, in_notebook_words, judge
from autograder.checks.library import Check
from autograder.checks.registry import all_checks
from autograder.checks.report import cell_failure, cell_pass
from autograder.core.outcome import Outcome, Status
from autograder.core.steps import STEP_BY_NUMBER
from autograder.sandbox import replay
from autograder.sandbox.child import harness
from autograder.sandbox.results import outcome_from_export

# TensorFlow logs to stderr when it is imported; these must be set before that import.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


class CheckFailed(AssertionError):
    """A check that did not pass. IPython shows only its message, not this module's code."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class CheckNotInstalled(LookupError):
    """A test cell names a check this installation does not have (e.g. hidden checks left out)."""


# step -> (what the result depends on, its time limit, the result). One entry per step: the latest functions.
_CACHE: dict[int, tuple[tuple[object, ...], float | None, Outcome]] = {}


def find_check(check_id: str) -> Check:
    """The check named `check_id`; a missing one fails loudly, so a hidden cell never passes by default."""
    for check in all_checks(include_hidden=True):
        if check.id == check_id:
            return check
    raise CheckNotInstalled(
        f"검사 {check_id!r}는 이 설치에 없습니다. 숨은 검사라면 autograder/checks/hidden/이 "
        "설치되지 않은 것입니다: 강사용 설치로 채점하세요.\n"
        f"Check {check_id!r} is not installed here. If it is a hidden check, "
        "autograder/checks/hidden/ is missing from this installation: grade with the instructor's install."
    )


def _fingerprint(step: int, namespace: Mapping[str, Any]) -> tuple[object, ...]:
    """The step's functions and the notebook globals they name (a helper, a constant, an import).

    Objects, not their source: re-running a cell after editing a helper the function calls makes new
    objects, while its own source is unchanged. Holding the objects keeps their ids from being reused.
    """
    parts: list[object] = []
    for name in STEP_BY_NUMBER[step].functions:
        function = namespace.get(name)
        parts.append(function)
        code = getattr(function, "__code__", None)
        if code is not None:
            parts.extend(namespace.get(used) for used in code.co_names if used in namespace)
    return tuple(parts)


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


@contextlib.contextmanager
def _fd_silenced(fd: int) -> Iterator[None]:
    """Point a file descriptor at /dev/null: TensorFlow's C++ logs bypass sys.stderr."""
    try:
        saved = os.dup(fd)
    except OSError:  # no such descriptor (e.g. a detached process): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


@contextlib.contextmanager
def _no_display() -> Iterator[None]:
    """Drop IPython display data: Keras's `summary()` draws with rich, which Jupyter shows through
    display() (no stream redirection catches it), and a test cell should show only its verdict."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:  # not in a kernel
        yield
        return
    publisher = shell.display_pub
    shadowed = publisher.__dict__.get("publish")
    publisher.publish = lambda *args, **kwargs: None
    try:
        yield
    finally:
        if shadowed is None:
            del publisher.publish
        else:
            publisher.publish = shadowed


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """Swallow prints, warnings (Keras's `input_dim` UserWarning), logging, display data, C-level stderr."""
    sink = io.StringIO()
    previous_disable = logging.root.manager.disable
    with warnings.catch_warnings(), contextlib.ExitStack() as stack:
        warnings.simplefilter("ignore")
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        stack.enter_context(_fd_silenced(2))
        stack.enter_context(contextlib.redirect_stdout(sink))
        stack.enter_context(contextlib.redirect_stderr(sink))
        logging.disable(logging.CRITICAL)
        stack.callback(logging.disable, previous_disable)
        stack.enter_context(_no_display())
        yield sink


def _with_timeouts(outcome: Outcome) -> Outcome:
    """A KeyboardInterrupt in a learner's function is nbgrader's cell timeout (or the Stop button)."""
    for name, call in outcome.calls.items():
        if (call.get("error") or {}).get("type") == "KeyboardInterrupt":
            outcome.calls[name] = {"status": Status.TIMEOUT, "error": {"seconds": round(outcome.seconds)}}
    return outcome


def _run(step: int, namespace: Mapping[str, Any]) -> Outcome:
    names = STEP_BY_NUMBER[step].functions
    functions = {name: namespace[name] for name in names if name in namespace}
    # The harness points error messages at lines of this "file": the cell that defined the function.
    codes = [f.__code__ for f in functions.values() if hasattr(f, "__code__")]
    source = codes[0].co_filename if codes else "<notebook>"
    started = time.perf_counter()
    export = harness.run_namespace(step, SimpleNamespace(**functions), source)
    outcome = outcome_from_export(step, export, time.perf_counter() - started)
    if STEP_BY_NUMBER[step].recompute and outcome.call_status(STEP_BY_NUMBER[step].functions[0]) == Status.OK:
        _recompute(outcome)
    return _with_timeouts(outcome)


def _recompute(outcome: Outcome) -> None:
    """What `keras-course grade` recomputes in a clean child (autograder.sandbox.replay), done here in the
    kernel so that both graders give the same verdicts (here it adds no protection: see above)."""
    wanted = replay.request(outcome)
    if isinstance(wanted, str):
        replay.apply(outcome, None, wanted)
        return
    recompute = STEP_BY_NUMBER[outcome.step].recompute
    assert recompute is not None  # called only for a step that recomputes (run_step)
    action = {"rebuild": harness.rebuild, "replay": harness.replay}[recompute]
    try:
        trusted = outcome_from_export(outcome.step, action(wanted))
    except Exception as exc:  # noqa: BLE001 - a config Keras cannot rebuild: that step's problem
        replay.apply(outcome, None, f"{type(exc).__name__}: {exc}")
        return
    replay.apply(outcome, trusted, None)


class _Watchdog(threading.Thread):
    """Interrupts the main thread after `seconds`, then every second until stopped: a KeyboardInterrupt
    in the learner's code, as the Stop button or nbgrader's cell timeout would raise."""

    def __init__(self, seconds: float) -> None:
        super().__init__(daemon=True)
        self.seconds, self.fired = seconds, False
        self._lock, self._stopped, self._done = threading.Lock(), threading.Event(), False

    def run(self) -> None:
        wait = self.seconds
        while not self._stopped.wait(wait):
            with self._lock:
                if self._done:
                    return
                self.fired = True
                if hasattr(signal, "pthread_kill"):  # a real signal to the main thread ends a sleep too
                    main = threading.main_thread().ident
                    assert main is not None  # the main thread has always started
                    signal.pthread_kill(main, signal.SIGINT)
                else:  # Windows: C raise() also sets the event a sleeping main thread waits on
                    signal.raise_signal(signal.SIGINT)
            wait = 1.0  # a second hang (step 5 calls two functions) is stopped too

    def stop(self) -> None:
        """No interrupt after this returns; one sent just before is absorbed here."""
        while True:
            try:
                with self._lock:
                    self._done = True
                self._stopped.set()
                if self.fired:
                    time.sleep(0.05)
                return
            except KeyboardInterrupt:
                continue


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Interrupt the main thread after `seconds` (None, or not on the main thread: no limit)."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    watchdog = _Watchdog(seconds)
    try:
        watchdog.start()
        try:
            yield
        finally:
            watchdog.stop()
    finally:
        signal.signal(signal.SIGINT, previous)


def _run_limited(step: int, namespace: Mapping[str, Any], seconds: float | None) -> Outcome:
    """`_run`, stopped after `seconds`: a learner's endless loop ends as a timeout, not a hung kernel.
    An interrupt outside the learner's functions (in the grader's replay, say: nbgrader's cell timeout,
    the Stop button, the time limit) also ends the step as a timeout, so the step's later checks do not
    run it again."""
    started = time.perf_counter()
    try:
        with _time_limit(seconds):
            return _run(step, namespace)
    except KeyboardInterrupt:
        spent = time.perf_counter() - started
        return Outcome(step, Status.TIMEOUT, error={"seconds": round(spent)}, seconds=spent)


def step_outcome(step: int, namespace: Mapping[str, Any], timeout: float | None = None) -> Outcome:
    """What the step's functions in `namespace` return on the reference inputs; cached per step.

    `timeout`: seconds before the step is interrupted (None: never; nbgrader has its own cell timeout).
    """
    key = _fingerprint(step, namespace)
    cached = _CACHE.get(step)
    if cached is not None and _same(cached[0], key) and cached[1] == timeout:
        return cached[2]
    with quiet():
        outcome = _run_limited(step, namespace, timeout)
    _CACHE[step] = (key, timeout, outcome)
    return outcome


def failure_message(verdict: Verdict) -> str:
    """Korean first, then English: what was expected, what was found, what to try."""
    return cell_failure(in_notebook_words(verdict))


def assert_check(check_id: str, namespace: Mapping[str, Any] | None = None) -> None:
    """Pass quietly (one line on stdout) or raise CheckFailed saying why, in Korean and English.

    Returns None on purpose: a value on a test cell's last line would be read by nbgrader as partial credit.
    """
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    check = find_check(check_id)
    outcome = step_outcome(check.step, namespace)
    with quiet():  # judging nan or inf weights can warn (numpy overflow)
        verdict = judge(check, outcome)
    if not verdict.passed:
        raise CheckFailed(failure_message(verdict))
    print(cell_pass(check))


def clear_cache() -> None:
    """Forget every step's result (tests; a learner never needs it)."""
    _CACHE.clear()
