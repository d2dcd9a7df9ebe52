"""The check library: each check has an id, a step, points, a public/hidden flag, and says in Korean
and English what it expects, what it found and what to try.

Checks judge plain data exported by the child process (autograder.runner.Outcome); they never run
learner code and never import TensorFlow. Hidden checks live in autograder/hidden_checks.py, which
the learners' release leaves out.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autograder import spec
from autograder.runner import Outcome

Text = dict[str, str]  # {"ko": ..., "en": ...}


def text(ko: str, en: str) -> Text:
    return {"ko": ko, "en": en}


@dataclass(frozen=True)
class Finding:
    passed: bool
    found: Text


def found(ko: str, en: str | None = None) -> Text:
    """What a check saw; a plain value needs no translation, so `en` defaults to `ko`."""
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
    judge: Callable[[Outcome], Finding]


@dataclass(frozen=True)
class Verdict:
    check: Check
    passed: bool
    found: Text

    @property
    def points(self) -> int:
        return self.check.points if self.passed else 0

    def message(self, lang: str) -> str:
        if self.passed:
            return self.check.title[lang]
        labels = LABELS[lang]
        return (
            f"{labels['expected']}: {self.check.expected[lang]}\n"
            f"{labels['found']}: {self.found[lang]}\n"
            f"{labels['try']}: {self.check.hint[lang]}"
        )


LABELS = {
    "ko": {"expected": "기대한 것", "found": "실제로 나온 것", "try": "해 볼 것"},
    "en": {"expected": "Expected", "found": "Found", "try": "Try"},
}

REGISTRY: list[Check] = []


def check(
    id: str, points: int = 1, *, hidden: bool = False, needs: str, title: Text, expected: Text, hint: Text
) -> Callable[[Callable[[Outcome], Finding]], Callable[[Outcome], Finding]]:
    """Register a judge function as a check of the step named by its id ('step2.units' -> 2)."""

    def register(judge: Callable[[Outcome], Finding]) -> Callable[[Outcome], Finding]:
        step = int(id.split(".")[0].removeprefix("step"))
        REGISTRY.append(Check(id, step, points, hidden, needs, title, expected, hint, judge))
        return judge

    return register


# --- why a call did not finish -----------------------------------------------------------------


def _where(error: dict | None) -> Text:
    if not error or not error.get("line"):
        return found("")
    code = f": {error['code']}" if error.get("code") else ""
    return found(f" ({error['line']}번째 줄{code})", f" (line {error['line']}{code})")


def call_failure(outcome: Outcome, function: str) -> Finding:
    """A failed finding that explains why `function` did not return (not done, error, timeout...)."""
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
    return Finding(
        False,
        messages.get(status, text(f"`{function}` 결과가 없습니다", f"`{function}` gave no result")),
    )


def judge(chk: Check, outcome: Outcome) -> Verdict:
    """Run one check; a check never raises, whatever the learner's data looks like."""
    if outcome.call_status(chk.needs) != "ok":
        finding = call_failure(outcome, chk.needs)
    else:
        try:
            finding = chk.judge(outcome)
        except Exception as exc:  # malformed data from the child: a failed check, never a crash
            finding = Finding(False, found(f"{type(exc).__name__}: {exc}"))
    return Verdict(chk, finding.passed, finding.found)


def all_checks(include_hidden: bool = True) -> list[Check]:
    """Every registered check in step order; hidden ones only where that module is installed."""
    if include_hidden:
        try:
            importlib.import_module("autograder.hidden_checks")
        except ModuleNotFoundError:
            pass
    chosen = [c for c in REGISTRY if include_hidden or not c.hidden]
    return sorted(chosen, key=lambda c: c.step)


def hidden_available() -> bool:
    return importlib.util.find_spec("autograder.hidden_checks") is not None


# --- helpers shared by the checks (also used by hidden_checks) --------------------------------


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


# --- step 1: data ------------------------------------------------------------------------------


@check(
    "step1.arrays",
    needs="make_data",
    title=text("x와 y 두 개의 numpy 배열을 돌려줍니다", "returns two numpy arrays, x and y"),
    expected=text("`return x, y`: numpy 배열 두 개", "`return x, y`: two numpy arrays"),
    hint=text(
        "리스트 [1, 2, ...] 대신 np.array([1, 2, ...])로 만들고 `return x, y`로 둘 다 돌려주세요",
        "make them with np.array([1, 2, ...]) rather than a plain list, and return both: `return x, y`",
    ),
)
def _step1_arrays(o: Outcome) -> Finding:
    if not o.data.get("pair"):
        returned = o.calls["make_data"].get("returned", "?")
        return Finding(False, found(f"{returned} 하나", f"one {returned}"))
    types = f"({o.data['x']['type']}, {o.data['y']['type']})"
    return Finding(o.data["x"]["is_ndarray"] and o.data["y"]["is_ndarray"], found(types))


@check(
    "step1.shape",
    needs="make_data",
    title=text("x와 y의 모양이 (10,)입니다", "x and y have shape (10,)"),
    expected=text("x.shape == y.shape == (10,)", "x.shape == y.shape == (10,)"),
    hint=text(
        "1부터 10까지 10개의 값을 한 줄로 넣으세요: np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])",
        "put the ten values 1 to 10 in one flat array: np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])",
    ),
)
def _step1_shape(o: Outcome) -> Finding:
    shapes = {name: o.arrays[name].shape if name in o.arrays else None for name in "xy"}
    return Finding(
        all(shape == (10,) for shape in shapes.values()),
        found(f"x.shape = {shapes['x']}, y.shape = {shapes['y']}"),
    )


@check(
    "step1.x_values",
    needs="make_data",
    title=text("x는 1부터 10까지입니다", "x holds 1 to 10"),
    expected=text("x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", "x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"),
    hint=text(
        "0이 아니라 1에서 시작해 10에서 끝나야 합니다: np.arange(1, 11)은 11을 넣지 않습니다",
        "start at 1, not 0, and end at 10: np.arange(1, 11) stops before 11",
    ),
)
def _step1_x_values(o: Outcome) -> Finding:
    x = o.arrays.get("x")
    if x is None:
        return Finding(False, found("숫자 배열이 아님", "not an array of numbers"))
    return Finding(x.shape == spec.DATA.shape and np.array_equal(x, spec.DATA), found(f"x = {show(x)}"))


# --- step 2: model -----------------------------------------------------------------------------


@check(
    "step2.sequential",
    needs="build_model",
    title=text("keras Sequential 모델을 돌려줍니다", "returns a keras Sequential model"),
    expected=text("Sequential 모델 (`return model`)", "a Sequential model (`return model`)"),
    hint=text(
        "model = Sequential()로 만들고 층을 추가한 뒤 `return model`을 잊지 마세요",
        "create it with model = Sequential(), add the layers, and do not forget `return model`",
    ),
)
def _step2_sequential(o: Outcome) -> Finding:
    model = o.data.get("model", {})
    return Finding(bool(model.get("is_sequential")), found(model.get("type", "?")))


@check(
    "step2.input_shape",
    needs="build_model",
    title=text("입력은 숫자 1개입니다: (None, 1)", "the input is one number: (None, 1)"),
    expected=text("model.input_shape == (None, 1)", "model.input_shape == (None, 1)"),
    hint=text(
        "맨 앞에 model.add(keras.Input(shape=(1,)))를 넣으세요 (Keras 2의 input_dim=1과 같은 뜻)",
        "add model.add(keras.Input(shape=(1,))) first (the Keras 3 way of Keras 2's input_dim=1)",
    ),
)
def _step2_input_shape(o: Outcome) -> Finding:
    shape = o.data.get("model", {}).get("input_shape")
    if shape is None:
        return Finding(False, found("입력 모양이 정해지지 않음", "no input shape defined"))
    return Finding(shape == [None, spec.INPUT_DIM], found(str(tuple(shape))))


@check(
    "step2.dense_units",
    needs="build_model",
    title=text("Dense(5) → Dense(3) → Dense(1) 순서입니다", "layers are Dense(5) → Dense(3) → Dense(1)"),
    expected=text("Dense(5) → Dense(3) → Dense(1)", "Dense(5) → Dense(3) → Dense(1)"),
    hint=text(
        "Dense 층 세 개를 5, 3, 1개의 노드로 이 순서대로 추가하세요",
        "add exactly three Dense layers with 5, 3 and 1 units, in that order",
    ),
)
def _step2_dense_units(o: Outcome) -> Finding:
    layers = model_layers(o)
    ok = [layer["is_dense"] for layer in layers] == [True] * len(spec.UNITS) and [
        layer["units"] for layer in layers
    ] == list(spec.UNITS)
    return Finding(ok, found(describe_layers(layers)))


@check(
    "step2.output_shape",
    needs="build_model",
    title=text("출력은 숫자 1개입니다: (None, 1)", "the output is one number: (None, 1)"),
    expected=text("model.output_shape == (None, 1)", "model.output_shape == (None, 1)"),
    hint=text(
        "마지막 층은 Dense(1)이어야 합니다. 입력(keras.Input)도 정했는지 보세요",
        "the last layer must be Dense(1); also check that the input (keras.Input) is defined",
    ),
)
def _step2_output_shape(o: Outcome) -> Finding:
    shape = o.data.get("model", {}).get("output_shape")
    if shape is None:
        return Finding(False, found("출력 모양을 알 수 없음", "output shape unknown"))
    return Finding(shape == [None, 1], found(str(tuple(shape))))


@check(
    "step2.total_params",
    needs="build_model",
    title=text("파라미터가 모두 32개입니다", "the model has 32 parameters in all"),
    expected=text("10 + 18 + 4 = 32개", "10 + 18 + 4 = 32"),
    hint=text(
        "Dense 층의 파라미터 = 입력 수 × 노드 수 + 노드 수(편향)입니다. 층과 입력을 다시 보세요",
        "a Dense layer has inputs × units weights plus one bias per unit; check the layers and input",
    ),
)
def _step2_total_params(o: Outcome) -> Finding:
    total = sum(layer_params(model_layers(o)))
    return Finding(total == sum(spec.layer_param_counts()), found(f"{total}"))


# --- step 3: compile ---------------------------------------------------------------------------


@check(
    "step3.returns_model",
    needs="compile_model",
    title=text("받은 모델을 컴파일해서 돌려줍니다", "compiles the model it receives and returns it"),
    expected=text("컴파일된 같은 model (`return model`)", "the same model, compiled (`return model`)"),
    hint=text(
        "새 모델을 만들지 말고 받은 model에 model.compile(...)을 호출한 뒤 `return model` 하세요",
        "do not build a new model: call model.compile(...) on the model you get, then `return model`",
    ),
)
def _step3_returns_model(o: Outcome) -> Finding:
    same, compiled = o.data.get("returned_given_model"), o.data.get("compiled")
    returned = o.calls["compile_model"].get("returned", "?")
    if not same:
        return Finding(False, found(f"다른 값을 돌려줌: {returned}", f"returned something else: {returned}"))
    return Finding(bool(compiled), found("컴파일되지 않음", "not compiled") if not compiled else found("ok"))


@check(
    "step3.loss",
    needs="compile_model",
    title=text("손실 함수는 평균제곱오차(mse)입니다", "the loss is mean squared error (mse)"),
    expected=text("loss='mse'", "loss='mse'"),
    hint=text(
        "model.compile(loss='mse', ...)처럼 손실 함수를 'mse'로 주세요",
        "pass the loss as 'mse': model.compile(loss='mse', ...)",
    ),
)
def _step3_loss(o: Outcome) -> Finding:
    losses = o.data.get("loss", [])
    ok = len(losses) == 1 and normalized(losses[0]) in spec.LOSS_NAMES
    return Finding(ok, found(", ".join(losses) or "없음", ", ".join(losses) or "none"))


@check(
    "step3.optimizer",
    needs="compile_model",
    title=text("옵티마이저는 Adam입니다", "the optimizer is Adam"),
    expected=text("optimizer='adam'", "optimizer='adam'"),
    hint=text(
        "optimizer='adam'으로 주세요. 'sgd'는 이 데이터에서 손실이 nan으로 발산하기 쉽습니다",
        "use optimizer='adam'; 'sgd' tends to diverge to nan on this unscaled data",
    ),
)
def _step3_optimizer(o: Outcome) -> Finding:
    name = o.data.get("optimizer", "없음")
    ok = bool(o.data.get("optimizer_is_adam")) and normalized(name) == spec.OPTIMIZER_NAME
    return Finding(ok, found(name))


# --- step 4: train -----------------------------------------------------------------------------


def training_problem(o: Outcome) -> Text | None:
    """Why the training the child reports cannot be trusted, or None: the grader replays every fit
    of the given model in a clean process, and the learner's weights must match (autograder.replay)."""
    training = o.data.get("training")
    if isinstance(training, dict) and training.get("verified") is True:
        return None
    why = training.get("reason") if isinstance(training, dict) else None
    return found(
        f"채점기가 같은 훈련을 다시 해 보니 결과가 다릅니다 ({why})",
        f"the grader replayed the training and got other results ({why})",
    )


def history_problem(o: Outcome) -> Text | None:
    """Why the returned History does not describe a real fit of the given model, or None.

    A History is genuine when it belongs to the model the check passed in, the grader's replay of
    the fit gives the same weights, and the optimizer really made the updates it reports
    (epochs x steps): a hand-made History or a forged export cannot pass.
    """
    returned = o.calls["train_model"].get("returned", "?")
    if not o.data.get("is_history"):
        return found(f"History가 아닌 {returned}", f"{returned}, not a History")
    if not o.data.get("history_of_given_model"):
        return found("받은 모델이 아닌 다른 모델의 History", "the History of another model")
    if not o.data.get("returned_a_fit_history"):
        return found(
            "model.fit이 돌려주지 않은 History (직접 만든 것?)",
            "a History that model.fit did not return (made by hand?)",
        )
    if problem := training_problem(o):
        return problem
    params, updates = o.data.get("params", {}), o.data.get("optimizer_steps")
    epochs, steps = params.get("epochs"), params.get("steps")
    claimed = epochs * steps if isinstance(epochs, int) and isinstance(steps, int) else None
    if claimed != updates:
        return found(
            f"History는 {claimed}번 갱신이라고 하지만 옵티마이저는 {updates}번 갱신했습니다",
            f"the History reports {claimed} updates but the optimizer made {updates}",
        )
    return None


@check(
    "step4.history",
    needs="train_model",
    title=text(
        "받은 모델의 model.fit이 돌려준 History를 돌려줍니다", "returns the History of fit on the given model"
    ),
    expected=text(
        "history = model.fit(...) 후 `return history`", "history = model.fit(...), then `return history`"
    ),
    hint=text(
        "model.fit(...)의 결과를 변수에 담아 돌려주세요. 새 모델을 만들지 말고 받은 model을 훈련하세요",
        "keep what model.fit(...) returns and return it; train the model you receive, not a new one",
    ),
)
def _step4_history(o: Outcome) -> Finding:
    problem = history_problem(o)
    return Finding(problem is None, problem or found("History"))


@check(
    "step4.epochs",
    needs="train_model",
    title=text("100 에포크 동안 훈련합니다", "trains for 100 epochs"),
    expected=text("epochs=100", "epochs=100"),
    hint=text(
        "model.fit(x, y, epochs=100, batch_size=1)로 훈련하세요",
        "train with model.fit(x, y, epochs=100, batch_size=1)",
    ),
)
def _step4_epochs(o: Outcome) -> Finding:
    if problem := history_problem(o):
        return Finding(False, problem)
    epochs, curve = o.data.get("params", {}).get("epochs"), o.data.get("loss_curve", [])
    ok = epochs == spec.EPOCHS and len(curve) == spec.EPOCHS
    return Finding(ok, found(f"epochs={epochs}"))


@check(
    "step4.batch_size",
    needs="train_model",
    title=text(
        "배치 크기 1로 훈련합니다 (에포크마다 10번 갱신)", "trains with batch size 1 (10 updates an epoch)"
    ),
    expected=text(
        "batch_size=1: 데이터 10개 → 에포크마다 10 스텝",
        "batch_size=1: 10 samples → 10 steps an epoch",
    ),
    hint=text(
        "batch_size를 적지 않으면 기본값 32가 쓰여 에포크마다 1번만 갱신됩니다. batch_size=1을 넣으세요",
        "without batch_size Keras uses 32, one update an epoch here; pass batch_size=1",
    ),
)
def _step4_batch_size(o: Outcome) -> Finding:
    if problem := history_problem(o):
        return Finding(False, problem)
    steps = o.data.get("params", {}).get("steps")
    batch = "?"
    if isinstance(steps, int) and steps > 0:  # steps = ceil(samples / batch_size)
        batch = f"≥ {spec.DATA.size}" if steps == 1 else f"≈ {math.ceil(spec.DATA.size / steps)}"
    return Finding(
        steps == spec.DATA.size // spec.BATCH_SIZE,
        found(
            f"에포크마다 {steps} 스텝 (batch_size {batch})", f"{steps} steps an epoch (batch_size {batch})"
        ),
    )


# --- step 5: evaluate and predict --------------------------------------------------------------


@check(
    "step5.evaluate_pair",
    needs="evaluate_model",
    title=text(
        "evaluate_model은 (loss, mse) 두 숫자를 돌려줍니다", "evaluate_model returns two numbers (loss, mse)"
    ),
    expected=text("(loss, mse): float 두 개", "(loss, mse): two floats"),
    hint=text(
        "loss, mse = model.evaluate(x, y, batch_size=1) 후 `return float(loss), float(mse)`",
        "loss, mse = model.evaluate(x, y, batch_size=1), then `return float(loss), float(mse)`",
    ),
)
def _step5_evaluate_pair(o: Outcome) -> Finding:
    if not o.data.get("evaluate_pair"):
        returned = o.calls["evaluate_model"].get("returned", "?")
        return Finding(False, found(f"두 값이 아닌 {returned}", f"{returned}, not two values"))
    values = [item["value"] for item in o.data["evaluate"]]
    types = ", ".join(item["type"] for item in o.data["evaluate"])
    return Finding(all(is_real_number(v) for v in values), found(f"({types})"))


@check(
    "step5.predict_shape",
    needs="predict",
    title=text("predict는 모양 (3, 1)의 숫자 배열을 돌려줍니다", "predict returns numbers of shape (3, 1)"),
    expected=text(
        "입력 [11, 12, 13]에 대해 모양 (3, 1)인 배열", "for input [11, 12, 13], an array of shape (3, 1)"
    ),
    hint=text(
        "model.predict(x_new.reshape(-1, 1))의 결과를 바꾸지 말고 그대로 돌려주세요",
        "return what model.predict(x_new.reshape(-1, 1)) gives, unchanged",
    ),
)
def _step5_predict_shape(o: Outcome) -> Finding:
    prediction = o.arrays.get("prediction")
    if prediction is None:
        kind = o.data.get("prediction_type", "?")
        return Finding(False, found(f"숫자 배열이 아닌 {kind}", f"{kind}, not an array of numbers"))
    return Finding(prediction.shape == (spec.X_NEW.size, 1), found(f"shape {prediction.shape}"))
