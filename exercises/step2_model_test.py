# 생성된 파일 (autograder/checks/public/step2.py에서 `make build`로 생성): 공개 검사, `pytest exercises/`로 실행합니다.
# Generated from autograder/checks/public/step2.py by `make build`: the public checks, run by `pytest exercises/`.
"""Step 2's public checks: `build_model()` returns the tutorial's Sequential model.
PYTEST_DONT_REWRITE (see autograder.checks.library)."""

from __future__ import annotations

from autograder.checks.library import check, describe_layers, found, layer_params, model_layers, text
from autograder.core import spec
from autograder.core.outcome import Outcome


@check(
    "step2.sequential",
    title=text("keras Sequential 모델을 돌려줍니다", "returns a keras Sequential model"),
    expected=text("Sequential 모델 (`return model`)", "a Sequential model (`return model`)"),
    hint=text(
        "Sequential 모델을 만들어 층을 추가한 뒤, 함수 끝에서 그 모델을 돌려주세요 (return)",
        "create a Sequential model, add the layers, and return that model at the end of the function",
    ),
)
def test_step2_sequential(step2: Outcome) -> None:
    model = step2.data.get("model", {})
    assert model.get("is_sequential"), found(model.get("type", "?"))


@check(
    "step2.input_shape",
    after=("step2.sequential",),
    title=text("입력은 숫자 1개입니다: (None, 1)", "the input is one number: (None, 1)"),
    expected=text("model.input_shape == (None, 1)", "model.input_shape == (None, 1)"),
    hint=text(
        "층보다 먼저 keras.Input으로 입력의 모양을 정하세요: 샘플마다 숫자 1개 (Keras 2의 input_dim=1 자리)",
        "before the layers, give the input's shape with keras.Input: one number a sample (Keras 2's input_dim=1)",
    ),
)
def test_step2_input_shape(step2: Outcome) -> None:
    shape = step2.data.get("model", {}).get("input_shape")
    assert shape is not None, found("입력 모양이 정해지지 않음", "no input shape defined")
    assert shape == [None, spec.INPUT_DIM], found(str(tuple(shape)))


@check(
    "step2.dense_units",
    after=("step2.sequential",),
    title=text("Dense(5) → Dense(3) → Dense(1) 순서입니다", "layers are Dense(5) → Dense(3) → Dense(1)"),
    expected=text("Dense(5) → Dense(3) → Dense(1)", "Dense(5) → Dense(3) → Dense(1)"),
    hint=text(
        "Dense 층 세 개를 5, 3, 1개의 노드로 이 순서대로 추가하세요",
        "add exactly three Dense layers with 5, 3 and 1 units, in that order",
    ),
)
def test_step2_dense_units(step2: Outcome) -> None:
    layers = model_layers(step2)
    ok = [layer["is_dense"] for layer in layers] == [True] * len(spec.UNITS) and [
        layer["units"] for layer in layers
    ] == list(spec.UNITS)
    assert ok, found(describe_layers(layers))


@check(
    "step2.output_shape",
    after=("step2.input_shape", "step2.dense_units"),
    title=text("출력은 숫자 1개입니다: (None, 1)", "the output is one number: (None, 1)"),
    expected=text("model.output_shape == (None, 1)", "model.output_shape == (None, 1)"),
    hint=text(
        "마지막 층은 노드가 1개인 Dense여야 합니다. 입력(keras.Input)도 정했는지 보세요",
        "the last layer must be a Dense layer with 1 unit; also check that the input (keras.Input) is defined",
    ),
)
def test_step2_output_shape(step2: Outcome) -> None:
    shape = step2.data.get("model", {}).get("output_shape")
    assert shape is not None, found("출력 모양을 알 수 없음", "output shape unknown")
    assert shape == [None, 1], found(str(tuple(shape)))


# --8<-- [start:total-params]
@check(
    "step2.total_params",
    after=("step2.input_shape", "step2.dense_units"),
    title=text("파라미터가 모두 32개입니다", "the model has 32 parameters in all"),
    expected=text("10 + 18 + 4 = 32개", "10 + 18 + 4 = 32"),
    hint=text(
        "Dense 층의 파라미터 = 입력 수 × 노드 수 + 노드 수(편향)입니다. 층과 입력을 다시 보세요",
        "a Dense layer has inputs × units weights plus one bias per unit; check the layers and input",
    ),
)
def test_step2_total_params(step2: Outcome) -> None:
    total = sum(layer_params(model_layers(step2)))
    assert total == sum(spec.layer_param_counts()), found(f"{total}")
    # --8<-- [end:total-params]


@check(
    "step2.linear",
    after=("step2.sequential",),
    title=text("모든 층이 선형(활성화 함수 없음)입니다", "every layer is linear (no activation)"),
    expected=text("activation 없음 (linear)", "no activation (linear)"),
    hint=text(
        "이 튜토리얼은 Y = WX + B 선형 회귀입니다. Dense에 activation='relu' 같은 인자를 주지 마세요",
        "the tutorial fits a line, Y = WX + B: give Dense no activation such as 'relu'",
    ),
)
def test_step2_linear(step2: Outcome) -> None:
    layers = model_layers(step2)
    activations = [layer.get("activation") for layer in layers]
    ok = bool(layers) and all(a in ("linear", None, "None") for a in activations)
    assert ok, found(f"{describe_layers(layers)}: {', '.join(map(str, activations))}")
