"""What a check module imports: the `@check` marker, `text`/`found` for its messages, and the helpers
the checks share. A check is one pytest test of a step's plain data (autograder.core.outcome.Outcome):

    @check("step2.total_params", title=..., expected=..., hint=...)
    def test_step2_total_params(step2):
        total = sum(layer_params(model_layers(step2)))
        assert total == 32, found(f"{total}")

Its `@check(...)` decorator is a pytest marker holding the id, points and the Korean/English texts;
its one argument is the fixture `step<N>`: the plain data the sandboxed child exported for that step,
never a live learner object. It asserts; the assertion's message says what it found.
PYTEST_DONT_REWRITE: the helpers here assert too, and their messages must reach `judge` as the
{"ko", "en"} dict written, not as pytest's explanation (pytest rewrites every module of an installed
plugin's package in xdist workers).
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeGuard

import numpy as np
import pytest

from autograder.core import spec
from autograder.core.outcome import Outcome
from autograder.core.steps import STEP_BY_NUMBER

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
    match = ID.fullmatch(meta["id"])
    assert match is not None  # check() made the marker: its id matched
    step = int(match[1])
    return Check(
        meta["id"], step, meta["points"], meta["hidden"], meta["needs"],
        meta["title"], meta["expected"], meta["hint"], test, tuple(meta.get("after", ())),
    )  # fmt: skip


# --- helpers the checks share -----------------------------------------------------------------------


def show(values: np.ndarray, limit: int = 12) -> str:
    flat = np.asarray(values).ravel()
    shown = ", ".join(f"{v:g}" for v in flat[:limit])
    return f"[{shown}{', …' if flat.size > limit else ''}]"


def is_real_number(value: object) -> TypeGuard[int | float]:
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


def refute(finding: Text, hint: Text) -> NoReturn:
    """Fail with what was found and, instead of the check's own hint, advice about this very cause."""
    raise AssertionError(finding, hint)


# Why the grader could not verify a training (autograder.sandbox.replay's kinds): advice that names
# the cause, not the check's own hint (a callback that cannot be replayed is not a missing `return`).
REPLAY_ADVICE = {
    "no_fit": text(
        "받은 model에 model.fit(...)을 부르세요 (새 모델을 만들지 마세요)",
        "call model.fit(...) on the model you receive (not on a new model)",
    ),
    "calls": text("fit은 한 번만 부르고, 다시 compile하지 마세요", "call fit once, and do not compile again"),
    "compile": text(
        "다시 compile하지 마세요: 모델은 컴파일되어 옵니다",
        "do not compile again: the model arrives compiled",
    ),
    "arguments": text(
        "fit에 x, y, epochs, batch_size(와 verbose, callbacks 같은 것)만 주세요: 채점기는 그 밖의 인자로 "
        "한 훈련은 다시 해 볼 수 없습니다",
        "give fit x, y, epochs and batch_size (verbose, callbacks and the like are fine): the grader cannot "
        "replay a training with other arguments",
    ),
    "settings": text(
        "fit의 설정에는 숫자나 True/False 같은 평범한 값을 주세요",
        "give fit's settings plain values (numbers, True/False)",
    ),
    "data": text(
        "받은 x, y(numpy 배열)를 그대로 fit에 주세요 (Dataset이나 제너레이터가 아니라)",
        "pass the x and y you receive (numpy arrays) to fit, not a Dataset or a generator",
    ),
    "differs": text(
        f"{spec.FIT_CALL}로만 훈련하세요: 채점기는 fit 호출과 배치마다의 학습률을 "
        "그대로 다시 해 보는데, 가중치나 모델, 옵티마이저를 (학습률 말고) 바꾸는 콜백이나 코드가 있으면 "
        "같은 결과가 나오지 않아 훈련을 확인할 수 없습니다",
        f"train with {spec.FIT_CALL} alone: the grader replays your fit calls and "
        "the learning rate of every batch, and a callback or code that changes the weights, the model or "
        "the optimizer (other than its learning rate) makes that replay differ, so the training cannot "
        "be verified",
    ),
    "grader": text(
        "채점기 쪽 문제입니다 (그 컴퓨터가 바빴거나 멈췄습니다): 다시 채점하면 됩니다",
        "a problem on the grader's side (its machine was busy or stopped): grading again retries it",
    ),
}


def assert_verified_training(o: Outcome) -> None:
    """Fail unless the training the child reports is the grader's own replay of it: every fit of the
    given model is replayed in a clean process, and the learner's weights must match (autograder.sandbox.replay).
    The failure says why the replay could not agree, and what to do about that."""
    training = o.data.get("training")
    if isinstance(training, dict) and training.get("verified") is True:
        return
    training = training if isinstance(training, dict) else {}
    reason = training.get("reason")
    why: Any = training.get("why")  # what the grader's replay wrote: a key of REPLAY_ADVICE, or none
    if why == "differs":
        finding = found(
            "채점기가 같은 fit 호출로 다시 훈련해 보니 가중치가 다릅니다",
            "the grader trained again with the same fit calls and got other weights",
        )
    elif why == "grader":
        finding = found(
            f"채점기가 훈련을 다시 해 보지 못했습니다 ({reason})", f"the grader's replay failed ({reason})"
        )
    else:
        finding = found(
            f"채점기가 이 훈련을 다시 해 볼 수 없습니다 ({reason})",
            f"the grader cannot replay this training ({reason})",
        )
    refute(finding, REPLAY_ADVICE.get(why, REPLAY_ADVICE["differs"]))


def held_out(o: Outcome, samples: int) -> tuple[float, int] | None:
    """(validation_split, samples trained on) when a fit held samples back for validation: Keras trains
    on the first floor(n x (1 - split)) of n samples, so steps and updates shrink with it."""
    for call in o.data.get("fit_calls", []) if isinstance(o.data.get("fit_calls"), list) else []:
        settings = call.get("settings") if isinstance(call, dict) else None
        split = settings.get("validation_split") if isinstance(settings, dict) else None
        if is_real_number(split) and 0 < split < 1:
            return split, math.floor(samples * (1.0 - split))
    return None


HELD_OUT_ADVICE = text(
    "원문처럼 10개 모두로 훈련하세요: validation_split을 빼세요 (검증용으로 떼어 둔 샘플로는 훈련하지 않습니다)",
    "train on all ten samples as the tutorial does: leave out validation_split (the samples it holds "
    "back for validation are never trained on)",
)


def learning_rate_changed(o: Outcome) -> bool:
    """Whether a fit trained with more than one learning rate (a callback such as LearningRateScheduler)."""
    calls = given if isinstance(given := o.data.get("fit_calls"), list) else []
    return any(isinstance(c, dict) and len(c.get("learning_rates") or []) > 1 for c in calls)


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
