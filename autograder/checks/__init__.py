"""The checks are pytest tests; this module is what they share and how every grader runs them.

A check is one test function, `test_<step>_<name>`, in a module per step: public checks in
`autograder/checks/public/` (copied, by `make build`, beside the stubs as `exercises/*_test.py`) and
hidden ones in `autograder/checks/hidden/` (never released). Its `@check(...)` decorator is a pytest
marker holding the id, points and the Korean/English texts; its one argument is the fixture
`step<N>`: the plain data (autograder.runner.Outcome) that the sandboxed child exported for that
step, never a live learner object. It asserts; the assertion's message says what it found:

    @check("step2.total_params", title=..., expected=..., hint=...)
    def test_step2_total_params(step2):
        total = sum(layer_params(model_layers(step2)))
        assert total == 32, found(f"{total}")

`judge` is the one place a check is run, whoever asks: `pytest` (autograder.pytest_plugin),
`keras-course check` and `grade` (autograder.report), and the nbgrader notebook (autograder.notebook).
Checks never run learner code and never import TensorFlow. The check modules turn pytest's
assertion rewriting off (PYTEST_DONT_REWRITE), so the message reaches `judge` as written.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import math
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograder import spec
from autograder.runner import Outcome
from autograder.steps import STEP_BY_NUMBER

Text = dict[str, str]  # {"ko": ..., "en": ...}
Test = Callable[[Outcome], None]
MARK = "check"
ID = re.compile(r"step([1-9])\.([a-z][a-z0-9_]*)")


def text(ko: str, en: str) -> Text:
    return {"ko": ko, "en": en}


def found(ko: str, en: str | None = None) -> Text:
    """What a check saw, for its assertion message; a plain value needs no translation (`en` = `ko`)."""
    return text(ko, ko if en is None else en)


@dataclass(frozen=True)
class Check:
    id: str
    step: int
    points: int
    hidden: bool
    needs: str  # the learner's function whose call this check judges
    title: Text  # what is checked, shown when it passes
    expected: Text
    hint: Text  # what to try when it fails
    test: Test  # the test function itself
    after: tuple[str, ...] = ()  # checks of the same step whose failure explains this one's

    @property
    def test_name(self) -> str:
        return self.test.__name__


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
        return (
            f"{labels['expected']}: {self.check.expected[lang]}\n"
            f"{labels['found']}: {self.found[lang]}\n"
            f"{labels['try']}: {(self.hint or self.check.hint)[lang]}"
        )


LABELS = {
    "ko": {"expected": "기대한 것", "found": "실제로 나온 것", "try": "해 볼 것"},
    "en": {"expected": "Expected", "found": "Found", "try": "Try"},
}


class InvalidCheck(ValueError):
    """A check written against the contract above (caught when its module is imported)."""


def check(
    id: str,
    points: int = 1,
    *,
    hidden: bool = False,
    needs: str | None = None,
    after: tuple[str, ...] = (),
    title: Text,
    expected: Text,
    hint: Text,
) -> Callable[[Test], Test]:
    """Mark a test function as the check `id` (`step2.units`: step 2); `needs` defaults to the step's
    first function. When it fails while a check named in `after` fails too, it says "fix that first"
    instead of repeating the problem with other advice (its points are the same: none).
    The marker is pytest's own (`pytest.mark.check`), so pytest selects and reports it."""
    match = ID.fullmatch(id)
    if match is None or int(match[1]) not in STEP_BY_NUMBER:
        raise InvalidCheck(f"check id {id!r} is not step<N>.<name> for one of the five steps")
    step = STEP_BY_NUMBER[int(match[1])]
    needs = needs or step.functions[0]
    if needs not in step.functions:
        raise InvalidCheck(f"{id}: step {step.number} has no function {needs!r}")
    if not isinstance(points, int) or points < 0:
        raise InvalidCheck(f"{id}: points must be a whole number >= 0")
    for name, words in (("title", title), ("expected", expected), ("hint", hint)):
        if set(words) != {"ko", "en"} or not all(words.values()):
            raise InvalidCheck(f"{id}: {name} needs both a Korean and an English text")
    if any(not earlier.startswith(f"step{step.number}.") for earlier in after):
        raise InvalidCheck(f"{id}: `after` names checks of step {step.number} only")
    marker = pytest.mark.check(
        id=id, points=points, hidden=hidden, needs=needs, after=tuple(after),
        title=title, expected=expected, hint=hint,
    )  # fmt: skip

    def mark(test: Test) -> Test:
        wanted = "test_" + id.replace(".", "_")
        if test.__name__ != wanted:
            raise InvalidCheck(f"{id}: name the test function {wanted} (its id, as pytest can select)")
        if list(inspect.signature(test).parameters) != [f"step{step.number}"]:
            raise InvalidCheck(f"{id}: the test takes one argument, the fixture step{step.number}")
        return marker(test)

    return mark


def check_of(test: object) -> Check | None:
    """The check a test function is, from its marker; None for any other object."""
    marks = [m for m in getattr(test, "pytestmark", []) if getattr(m, "name", None) == MARK]
    if not callable(test) or len(marks) != 1:
        return None
    meta: dict[str, Any] = marks[0].kwargs
    step = int(ID.fullmatch(meta["id"])[1])
    return Check(
        meta["id"], step, meta["points"], meta["hidden"], meta["needs"],
        meta["title"], meta["expected"], meta["hint"], test, tuple(meta.get("after", ())),
    )  # fmt: skip


# --- why a call did not finish -----------------------------------------------------------------


def _where(error: dict | None) -> Text:
    if not error or not error.get("line"):
        return found("")
    code = f": {error['code']}" if error.get("code") else ""
    return found(f" ({error['line']}번째 줄{code})", f" (line {error['line']}{code})")


def call_failure(outcome: Outcome, function: str) -> Text:
    """Why `function` did not return (not done, an error, a timeout...), as a check's found text."""
    status = outcome.call_status(function)
    error = outcome.error or outcome.calls.get(function, {}).get("error") or {}
    where = _where(error)
    kind = f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
    messages = {
        "not_done": text(
            "아직 풀지 않았습니다. `# YOUR CODE HERE` 아래의 `raise NotImplementedError()`가 그대로 있습니다",
            "not done yet: `raise NotImplementedError()` under `# YOUR CODE HERE` is still there",
        ),
        "missing_file": text(
            f"파일이 없습니다: {error.get('file', '')}", f"the file is missing: {error.get('file', '')}"
        ),
        "syntax_error": text(
            f"파이썬 문법 오류로 파일을 읽을 수 없습니다{where['ko']}: {error.get('message', '')}",
            f"a syntax error stops Python reading the file{where['en']}: {error.get('message', '')}",
        ),
        "import_error": text(
            f"파일을 불러오는 중 오류가 났습니다{where['ko']}: {kind}",
            f"the file failed while loading{where['en']}: {kind}",
        ),
        "missing_function": text(
            f"파일에 `{function}` 함수가 없습니다", f"the file defines no function `{function}`"
        ),
        "error": text(
            f"`{function}`이(가) 실행 중 오류를 냈습니다{where['ko']}: {kind}",
            f"`{function}` raised an error{where['en']}: {kind}",
        ),
        "unreadable": text(
            f"`{function}`이(가) 돌려준 값을 읽을 수 없습니다: {kind}",
            f"what `{function}` returned could not be read: {kind}",
        ),
        "timeout": text(
            f"{error.get('seconds', '?')}초 안에 끝나지 않아 멈췄습니다 (무한 루프가 있나요?)",
            f"stopped after {error.get('seconds', '?')} s without finishing (an endless loop?)",
        ),
        "crashed": text(
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


# What to try when the function did not return: the check's own hint is about another problem.
CALL_HINTS = {
    "not_done": text(
        "`# YOUR CODE HERE` 아래를 채우고 그 아래의 `raise NotImplementedError()` 줄을 지우세요",
        "fill in the lines under `# YOUR CODE HERE` and delete the `raise NotImplementedError()` line",
    ),
    "missing_file": text(
        "파일 이름을 바꾸지 말고 다섯 단계 파일을 같은 폴더에 두세요",
        "keep the file's name and keep the five step files in one folder",
    ),
    "syntax_error": text(
        "그 줄과 바로 위 줄의 괄호, 따옴표, 콜론(:), 들여쓰기를 확인하세요",
        "look at that line and the one above it: brackets, quotes, colons (:) and indentation",
    ),
    "import_error": text(
        "오류가 난 줄을 고치세요. 함수 밖의 코드는 파일을 불러올 때 바로 실행됩니다",
        "fix the line named above; code outside the functions runs as soon as the file is loaded",
    ),
    "missing_function": text(
        "`def` 줄(함수 이름과 인자)은 빈칸 파일 그대로 두세요",
        "keep the `def` line (the function's name and arguments) as the stub has it",
    ),
    "error": text(
        "오류 메시지와 줄 번호를 보고 고친 뒤, 파일을 직접 실행해 보세요 (python exercises/파일이름.py)",
        "read the error and its line, fix it, and run the file yourself (python exercises/<file>.py)",
    ),
    "unreadable": text(
        "numpy 배열, 숫자, 모델, History처럼 평범한 값을 돌려주세요",
        "return a plain value: a numpy array, numbers, the model or the History",
    ),
    "timeout": text(
        "끝나지 않는 반복문(while True 같은)이나 아주 큰 epochs가 없는지 보세요",
        "look for a loop that never ends (such as while True) or a very large number of epochs",
    ),
    "crashed": text(
        "exit()나 sys.exit()을 지우고, 아주 큰 배열을 만들지 않았는지 보세요",
        "remove exit() or sys.exit() calls and look for a very large array",
    ),
}


def _skipped(chk: Check, first: str, why: Text) -> Verdict:
    """A failure that an earlier one of the step explains: said once there, pointed at here."""
    return Verdict(
        chk,
        False,
        found(f"먼저 {first}의 문제를 고치세요 ({why['ko']})", f"fix {first} first ({why['en']})"),
        text("위의 첫 ✗를 고친 뒤 다시 검사하세요", "fix the first ✗ above, then check again"),
        skipped=True,
    )


def _run(chk: Check, outcome: Outcome) -> Verdict:
    try:
        with np.errstate(all="ignore"):  # judging nan or inf weights would warn
            chk.test(outcome)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - pytest.skip(), sys.exit() too: only a return passes
        return Verdict(chk, False, _found_in(error))
    return Verdict(chk, True, found("ok"))


def judge(chk: Check, outcome: Outcome) -> Verdict:
    """Run one check on one step's data. It passes only when its test returns: a failed assertion,
    malformed data, a skip or any other exception fails it, and judging never raises.

    One mistake is explained once: when the function did not return, the step's first check of it
    says why (with advice for that) and the others point at it; a failed check whose `after` check
    failed too points at that one. Points never depend on this: only on whether the test returned.
    """
    status = outcome.call_status(chk.needs)
    if status != "ok":
        why = call_failure(outcome, chk.needs)
        first = _first_of(chk)
        if first not in (None, chk.id):
            return _skipped(chk, first, why)
        return Verdict(chk, False, why, CALL_HINTS.get(status))
    verdict = _run(chk, outcome)
    if not verdict.passed:
        for earlier in chk.after:
            cause = _by_id().get(earlier)
            if cause is not None and not (prior := judge(cause, outcome)).passed:
                if prior.skipped:  # point at the first ✗ itself, not at another pointer
                    return Verdict(chk, False, prior.found, prior.hint, skipped=True)
                return _skipped(chk, earlier, prior.found)
    return verdict


# --- finding the checks -----------------------------------------------------------------------------

PUBLIC = "autograder.checks.public"
HIDDEN = "autograder.checks.hidden"


def hidden_available() -> bool:
    return importlib.util.find_spec(HIDDEN) is not None


def check_modules(include_hidden: bool = True) -> list[ModuleType]:
    """The modules that hold checks, one per step and kind; hidden ones only where installed."""
    packages = [PUBLIC, *([HIDDEN] if include_hidden and hidden_available() else [])]
    modules = []
    for name in packages:
        package = importlib.import_module(name)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            modules.append(importlib.import_module(f"{name}.{info.name}"))
    return modules


def checks_in(module: ModuleType) -> list[Check]:
    """The checks a module defines, in the order it defines them."""
    found_here = [c for value in vars(module).values() if (c := check_of(value)) is not None]
    return [c for c in found_here if c.test.__module__ == module.__name__]


def all_checks(include_hidden: bool = True) -> list[Check]:
    """Every check in step order (public before hidden within a step)."""
    chosen = [c for module in check_modules(include_hidden) for c in checks_in(module)]
    ids = [c.id for c in chosen]
    if len(set(ids)) != len(ids):
        raise InvalidCheck(f"check ids used twice: {sorted({i for i in ids if ids.count(i) > 1})}")
    for c in chosen:
        if c.hidden != c.test.__module__.startswith(HIDDEN + "."):
            raise InvalidCheck(f"{c.id}: hidden checks live in {HIDDEN}, public ones in {PUBLIC}")
    return sorted(chosen, key=lambda c: c.step)


@functools.cache
def _by_id() -> dict[str, Check]:
    return {c.id: c for c in all_checks(include_hidden=True)}


def _first_of(chk: Check) -> str | None:
    """The id of the step's first check that needs the same function (None for an unknown check)."""
    if chk.id not in _by_id():
        return None
    return next(c.id for c in _by_id().values() if c.step == chk.step and c.needs == chk.needs)


# --- helpers the checks share -----------------------------------------------------------------------


def show(values: np.ndarray, limit: int = 12) -> str:
    flat = np.asarray(values).ravel()
    shown = ", ".join(f"{v:g}" for v in flat[:limit])
    return f"[{shown}{', …' if flat.size > limit else ''}]"


def is_real_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def model_layers(outcome: Outcome) -> list[dict]:
    return outcome.data.get("model", {}).get("layers", [])


def describe_layers(layers: list[dict]) -> str:
    def one(layer: dict) -> str:
        kind = layer["type"].rsplit(".", 1)[-1]
        return f"{kind}({layer['units']})" if layer.get("units") is not None else kind

    return " → ".join(one(layer) for layer in layers) or "(no layers)"


def layer_params(layers: list[dict]) -> list[int]:
    """Parameters per layer, counted from the shapes of its weights (not from count_params)."""
    return [sum(int(np.prod(shape)) for shape in layer["weight_shapes"]) for layer in layers]


def normalized(name: str) -> str:
    return name.lower().replace("_", "")


def assert_verified_training(o: Outcome) -> None:
    """Fail unless the training the child reports is the grader's own replay of it: every fit of the
    given model is replayed in a clean process, and the learner's weights must match (autograder.replay)."""
    training = o.data.get("training")
    if isinstance(training, dict) and training.get("verified") is True:
        return
    why = training.get("reason") if isinstance(training, dict) else None
    raise AssertionError(
        found(
            f"채점기가 같은 훈련을 다시 해 보니 결과가 다릅니다 ({why})",
            f"the grader replayed the training and got other results ({why})",
        )
    )


def assert_genuine_history(o: Outcome) -> None:
    """Fail unless the returned History describes a real fit of the given model.

    A History is genuine when it belongs to the model the check passed in, model.fit returned it, the
    grader's replay of the fit gives the same weights, and the optimizer really made the updates it
    reports (epochs x steps): a hand-made History or a forged export cannot pass.
    """
    returned = o.calls["train_model"].get("returned", "?")
    assert o.data.get("is_history"), found(f"History가 아닌 {returned}", f"{returned}, not a History")
    assert o.data.get("history_of_given_model"), found(
        "받은 모델이 아닌 다른 모델의 History", "the History of another model"
    )
    assert o.data.get("returned_a_fit_history"), found(
        "model.fit이 돌려주지 않은 History (직접 만든 것?)",
        "a History that model.fit did not return (made by hand?)",
    )
    assert_verified_training(o)
    params, updates = o.data.get("params", {}), o.data.get("optimizer_steps")
    epochs, steps = params.get("epochs"), params.get("steps")
    claimed = epochs * steps if isinstance(epochs, int) and isinstance(steps, int) else None
    assert claimed == updates, found(
        f"History는 {claimed}번 갱신이라고 하지만 옵티마이저는 {updates}번 갱신했습니다",
        f"the History reports {claimed} updates but the optimizer made {updates}",
    )


__all__ = [
    "Check",
    "InvalidCheck",
    "Outcome",
    "Text",
    "Verdict",
    "all_checks",
    "assert_genuine_history",
    "assert_verified_training",
    "call_failure",
    "check",
    "describe_layers",
    "found",
    "hidden_available",
    "is_real_number",
    "judge",
    "layer_params",
    "model_layers",
    "normalized",
    "show",
    "spec",
    "text",
]
