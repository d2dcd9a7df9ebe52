"""Judging: `judge` runs one check on one step's data; it is the one place a check is run, whoever
asks: `pytest` (autograder.learner.pytest_plugin), `keras-course check` and `grade`
(autograder.checks.report), and the notebooks (autograder.learner.kernel). Checks never run learner
code and never import TensorFlow. The check modules turn pytest's assertion rewriting off
(PYTEST_DONT_REWRITE), so the message reaches `judge` as written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from autograder.checks.diagnosis import advice
from autograder.checks.library import Check, Text, found, text
from autograder.checks.registry import by_id, first_of
from autograder.core.outcome import Outcome, Status
from autograder.core.steps import STEP_BY_NUMBER


@dataclass(frozen=True)
class Verdict:
    check: Check
    passed: bool
    found: Text
    hint: Text | None = None  # what to try, when the check's own hint is not the advice (a failed call)
    skipped: bool = False  # failed because an earlier problem of the step did: shown once, not again

    @property
    def points(self) -> int:
        return self.check.points if self.passed else 0

    @property
    def mark(self) -> str:
        return "✓" if self.passed else "–" if self.skipped else "✗"

    def message(self, lang: str) -> str:
        if self.passed:
            return self.check.title[lang]
        labels = LABELS[lang]
        expected = f"{labels['expected']}: {self.check.expected[lang]}"
        if self.skipped:  # the ✗ above says what went wrong and what to try: not repeated here
            return f"{expected}\n{WAITING[lang]}"
        return (
            f"{expected}\n"
            f"{labels['found']}: {self.found[lang]}\n"
            f"{labels['try']}: {(self.hint or self.check.hint)[lang]}"
        )


LABELS = {
    "ko": {"expected": "기대한 것", "found": "실제로 나온 것", "try": "해 볼 것"},
    "en": {"expected": "Expected", "found": "Found", "try": "Try"},
}
# What a check that waits for an earlier ✗ of its step says instead of Found and Try.
WAITING = text("아직 검사하지 않았습니다: 위의 ✗를 먼저 고치세요", "not checked yet: fix the ✗ above first")


# --- why a call did not finish -----------------------------------------------------------------


def _where(error: dict | None) -> Text:
    if not error or not error.get("line"):
        return found("")
    code = f": {error['code']}" if error.get("code") else ""
    return found(f" ({error['line']}번째 줄{code})", f" (line {error['line']}{code})")


LOST = text(
    "채점기 쪽의 문제로 이 단계를 끝까지 실행하지 못했습니다 (여러분의 코드 탓이 아닙니다). 다시 채점하면 됩니다",
    "the grader could not finish running this step (a problem on the grader's side, not your code): it is graded again on the next run",
)
LOST_HINT = text("같은 명령을 다시 실행하세요", "run the same command again")


def call_failure(outcome: Outcome, function: str) -> Text:
    """Why `function` did not return (not done, an error, a timeout...), as a check's found text."""
    status = outcome.call_status(function)
    if outcome.lost:
        return LOST
    error = outcome.error or outcome.calls.get(function, {}).get("error") or {}
    where = _where(error)
    kind = f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
    messages = {
        Status.NOT_DONE: text(
            "아직 풀지 않았습니다. `# YOUR CODE HERE` 아래의 `raise NotImplementedError()`가 그대로 있습니다",
            "not done yet: `raise NotImplementedError()` under `# YOUR CODE HERE` is still there",
        ),
        Status.MISSING_FILE: text(
            f"파일이 없습니다: {error.get('file', '')}", f"the file is missing: {error.get('file', '')}"
        ),
        Status.SYNTAX_ERROR: text(
            f"파이썬 문법 오류로 파일을 읽을 수 없습니다{where['ko']}: {error.get('message', '')}",
            f"a syntax error stops Python reading the file{where['en']}: {error.get('message', '')}",
        ),
        Status.IMPORT_ERROR: text(
            f"파일을 불러오는 중 오류가 났습니다{where['ko']}: {kind}",
            f"the file failed while loading{where['en']}: {kind}",
        ),
        Status.MISSING_FUNCTION: text(
            f"파일에 `{function}` 함수가 없습니다", f"the file defines no function `{function}`"
        ),
        "error": text(
            f"`{function}` 함수가 실행 중 오류를 냈습니다{where['ko']}: {kind}",
            f"`{function}` raised an error{where['en']}: {kind}",
        ),
        Status.UNREADABLE: text(
            f"`{function}` 함수가 돌려준 값을 읽을 수 없습니다: {kind}",
            f"what `{function}` returned could not be read: {kind}",
        ),
        Status.TIMEOUT: text(
            f"{error.get('seconds', '?')}초 안에 끝나지 않아 멈췄습니다{where['ko']}",
            f"stopped after {error.get('seconds', '?')} s without finishing{where['en']}",
        ),
        Status.OUT_OF_MEMORY: text(
            f"메모리를 너무 많이 써서 멈췄습니다{where['ko']} (이 단계의 모든 프로세스를 합쳐 {error.get('bytes', 0) / 2**30:g} GiB까지)",
            f"stopped for using too much memory{where['en']} (at most {error.get('bytes', 0) / 2**30:g} GiB for all of the step's processes together)",
        ),
        Status.CRASHED: text(
            f"프로그램이 결과 없이 끝났습니다 (종료 코드 {error.get('exit_code')}"
            f"{', ' + error['signal'] if error.get('signal') else ''}). "
            "exit()나 너무 큰 메모리 사용이 없는지 보세요",
            f"the program ended without a result (exit code {error.get('exit_code')}"
            f"{', ' + error['signal'] if error.get('signal') else ''}). "
            "Look for exit() calls or a very large allocation",
        ),
    }
    return messages.get(status, text(f"`{function}` 결과가 없습니다", f"`{function}` gave no result"))


def _found_in(error: BaseException) -> Text:
    """The found text a failed check gave: its assertion's message, or what went wrong."""
    message = error.args[0] if error.args else None
    if isinstance(error, AssertionError):
        if isinstance(message, dict) and set(message) == {"ko", "en"}:
            return {lang: str(message[lang]) for lang in ("ko", "en")}
        return found(str(message) if message is not None else "")
    return found(f"{type(error).__name__}: {message if message is not None else ''}".rstrip(": "))


def _hint_in(error: BaseException) -> Text | None:
    """The advice a failed assertion gave with what it found (library.refute), when the check's own
    hint is not about this cause."""
    hint = error.args[1] if isinstance(error, AssertionError) and len(error.args) > 1 else None
    if isinstance(hint, dict) and set(hint) == {"ko", "en"}:
        return {lang: str(hint[lang]) for lang in ("ko", "en")}
    return None


# What to try when the function did not return: the check's own hint is about another problem.
CALL_HINTS: dict[str, Text] = {
    Status.NOT_DONE: text(
        "`# YOUR CODE HERE` 아래를 채우고 그 아래의 `raise NotImplementedError()` 줄을 지우세요",
        "fill in the lines under `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line",
    ),
    Status.MISSING_FILE: text(
        "파일 이름을 바꾸지 말고 단계 파일을 모두 같은 폴더에 두세요",
        "keep the file's name and keep all the step files in one folder",
    ),
    Status.SYNTAX_ERROR: text(
        "그 줄과 바로 위 줄의 괄호, 따옴표, 콜론(:), 들여쓰기를 확인하세요",
        "look at that line and the one above it: brackets, quotes, colons (:) and indentation",
    ),
    Status.IMPORT_ERROR: text(
        "오류가 난 줄을 고치세요. 함수 밖의 코드는 파일을 불러올 때 바로 실행됩니다",
        "fix the line named above; code outside the functions runs as soon as the file is loaded",
    ),
    Status.MISSING_FUNCTION: text(
        "`def` 줄(함수 이름과 인자)은 빈칸 파일 그대로 두세요",
        "keep the `def` line (the function's name and arguments) as the stub has it",
    ),
    Status.UNREADABLE: text(
        "numpy 배열, 숫자, 모델, History처럼 평범한 값을 돌려주세요",
        "return a plain value: a numpy array, numbers, the model or the History",
    ),
    Status.TIMEOUT: text(
        "끝나지 않는 반복문(while True 같은)이나 아주 큰 epochs가 없는지 보세요",
        "look for a loop that never ends (such as while True) or a very large number of epochs",
    ),
    Status.OUT_OF_MEMORY: text(
        "아주 큰 배열이나 리스트, 끝없이 커지는 리스트, 많은 프로세스를 만들지 않았는지 보세요",
        "look for a very large array or list, a list that grows in a loop, or many processes",
    ),
    Status.CRASHED: text(
        "exit()나 sys.exit()을 지우고, 아주 큰 배열을 만들지 않았는지 보세요",
        "remove exit() or sys.exit() calls and look for a very large array",
    ),
}


def run_yourself(step: int) -> Text:
    """The tip for an error no cause explains: the step's own file, run as the set-up page runs it."""
    command = f"`.venv/bin/python exercises/{STEP_BY_NUMBER[step].filename}`"
    return text(
        f"오류 메시지와 줄 번호를 보고 고치세요. 파일을 직접 실행하면 오류 전체를 볼 수 있습니다: {command}",
        f"read the error and its line and fix it; run the file yourself to see the whole error: {command}",
    )


def _endless_loop(error: dict) -> Text | None:
    """Advice for a step stopped (time, memory) inside a loop: the grader names the loop around the
    line it stopped at (autograder.sandbox.results.stopped_at, where_in)."""
    kind, line = error.get("loop"), error.get("loop_line")
    if kind not in ("while", "for") or not isinstance(line, int):
        return None
    return text(
        f"{line}번째 줄의 `{kind}` 반복문이 끝나지 않는 것 같습니다. 반복 조건이 언젠가 거짓이 되나요? "
        "(`while i <= 10:`이라면 반복문 안에 `i += 1`이 있어야 합니다) 반복문 안에서 리스트에 계속 더하고 있지 않은지도 보세요",
        f"the `{kind}` loop on line {line} seems never to end: does its condition ever become false? "
        "(`while i <= 10:` needs `i += 1` inside the loop) Also look for a list the loop keeps adding to",
    )


# A notebook has no step files to run: its tip for an error no cause explains.
NOTEBOOK_ERROR_HINT = text(
    "오류 메시지와 줄 번호를 보고 답 셀을 고쳐 다시 실행하세요. 새 셀에서 함수를 직접 불러 보면 오류 전체를 볼 수 있습니다",
    "read the error and its line, fix the answer cell and run it again; call the function yourself in a new "
    "cell to see the whole error",
)


def in_notebook_words(verdict: Verdict) -> Verdict:
    """The verdict as a notebook's learner reads it: an answer cell to fix, no step file to run."""
    if verdict.hint == run_yourself(verdict.check.step):
        return dataclasses.replace(verdict, hint=NOTEBOOK_ERROR_HINT)
    return verdict


def call_hint(outcome: Outcome, function: str) -> Text | None:
    """What to try when `function` did not return: the advice for its error's cause where one is
    known (autograder.checks.diagnosis), else the tip for how it failed."""
    status = outcome.call_status(function)
    error = outcome.error or outcome.calls.get(function, {}).get("error") or {}
    if status in (Status.ERROR, Status.IMPORT_ERROR) and (specific := advice(error)) is not None:
        return specific
    if status in (Status.ERROR, Status.IMPORT_ERROR, Status.TIMEOUT, Status.OUT_OF_MEMORY) and (
        loop := _endless_loop(error)
    ):
        return loop
    if status == Status.ERROR:
        return run_yourself(outcome.step)
    return CALL_HINTS.get(status)


def _skipped(chk: Check) -> Verdict:
    """A failure that an earlier one of the step explains: said once there (its ✗), pointed at here."""
    return Verdict(chk, False, WAITING, skipped=True)


def _run(chk: Check, outcome: Outcome) -> Verdict:
    try:
        with np.errstate(all="ignore"):  # judging nan or inf weights would warn
            chk.test(outcome)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - pytest.skip(), sys.exit() too: only a return passes
        return Verdict(chk, False, _found_in(error), _hint_in(error))
    return Verdict(chk, True, found("ok"))


def judge(chk: Check, outcome: Outcome) -> Verdict:
    """Run one check on one step's data. It passes only when its test returns: a failed assertion,
    malformed data, a skip or any other exception fails it, and judging never raises.

    One mistake is explained once: when the function did not return, the step's first check of it
    says why (with advice for that) and the others wait for it ("–"); so does a failed check whose
    `after` check failed too. Points never depend on this: only on whether the test returned.
    """
    status = outcome.call_status(chk.needs)
    if status != Status.OK:
        if first_of(chk) not in (None, chk.id):
            return _skipped(chk)
        why = call_failure(outcome, chk.needs)
        return Verdict(chk, False, why, LOST_HINT if outcome.lost else call_hint(outcome, chk.needs))
    verdict = _run(chk, outcome)
    if not verdict.passed:
        for earlier in chk.after:
            cause = by_id().get(earlier)
            if cause is not None and not judge(cause, outcome).passed:
                return _skipped(chk)
    return verdict
