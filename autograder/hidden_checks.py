"""Hidden checks: graded, but not shipped to learners (their release leaves this file out).

They verify what a learner could fake past the public checks: values, not just shapes.
"""

from __future__ import annotations

import math

import numpy as np

from autograder import spec
from autograder.checks import (
    Finding,
    check,
    describe_layers,
    found,
    history_problem,
    layer_params,
    model_layers,
    show,
    text,
    training_problem,
)
from autograder.runner import Outcome

# --- step 1 ------------------------------------------------------------------------------------


@check(
    "step1.y_equals_x",
    hidden=True,
    needs="make_data",
    title=text("y는 x와 같은 1부터 10까지입니다", "y holds the same 1 to 10 as x"),
    expected=text("y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", "y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"),
    hint=text(
        "이 연습에서는 출력 y가 입력 x와 같습니다. y도 1부터 10까지로 만드세요",
        "in this exercise the output y equals the input x: make y 1 to 10 as well",
    ),
)
def _step1_y_equals_x(o: Outcome) -> Finding:
    y = o.arrays.get("y")
    if y is None:
        return Finding(False, found("숫자 배열이 아님", "not an array of numbers"))
    return Finding(y.shape == spec.DATA.shape and np.array_equal(y, spec.DATA), found(f"y = {show(y)}"))


# --- step 2 ------------------------------------------------------------------------------------


@check(
    "step2.layer_params",
    hidden=True,
    needs="build_model",
    title=text("층마다 파라미터가 10, 18, 4개입니다", "the layers have 10, 18 and 4 parameters"),
    expected=text("1×5+5 = 10, 5×3+3 = 18, 3×1+1 = 4", "1×5+5 = 10, 5×3+3 = 18, 3×1+1 = 4"),
    hint=text(
        "층의 순서를 확인하세요: Dense(3) → Dense(5)도 합계는 32개지만 층마다의 수는 다릅니다",
        "check the order of the layers: Dense(3) → Dense(5) also totals 32, layer by layer it does not",
    ),
)
def _step2_layer_params(o: Outcome) -> Finding:
    counts = layer_params(model_layers(o))
    return Finding(counts == spec.layer_param_counts(), found(" + ".join(map(str, counts)) or "0"))


@check(
    "step2.linear",
    hidden=True,
    needs="build_model",
    title=text("모든 층이 선형(활성화 함수 없음)입니다", "every layer is linear (no activation)"),
    expected=text("activation 없음 (linear)", "no activation (linear)"),
    hint=text(
        "이 튜토리얼은 Y = WX + B 선형 회귀입니다. Dense에 activation='relu' 같은 인자를 주지 마세요",
        "the tutorial fits a line, Y = WX + B: give Dense no activation such as 'relu'",
    ),
)
def _step2_linear(o: Outcome) -> Finding:
    layers = model_layers(o)
    activations = [layer.get("activation") for layer in layers]
    ok = bool(layers) and all(a in ("linear", None, "None") for a in activations)
    return Finding(ok, found(f"{describe_layers(layers)}: {', '.join(map(str, activations))}"))


# --- step 3 ------------------------------------------------------------------------------------


@check(
    "step3.metrics",
    hidden=True,
    needs="compile_model",
    title=text("지표(metrics)에 mse가 있습니다", "mse is among the metrics"),
    expected=text("metrics=['mse']", "metrics=['mse']"),
    hint=text(
        "model.compile(..., metrics=['mse'])처럼 리스트로 mse를 넣으세요",
        "add metrics=['mse'] (a list) to compile",
    ),
)
def _step3_metrics(o: Outcome) -> Finding:
    metrics = o.data.get("metrics", [])
    ok = any(name.lower().replace("_", "") in spec.LOSS_NAMES for name in metrics)
    return Finding(ok, found(", ".join(metrics) or "없음", ", ".join(metrics) or "none"))


# --- step 4 ------------------------------------------------------------------------------------


def _trained_loss(o: Outcome) -> float:
    weights = [o.arrays[f"after{i}"] for i in range(len(spec.UNITS) * 2)]
    return spec.mse(weights, spec.DATA, spec.DATA)


@check(
    "step4.optimizer_steps",
    hidden=True,
    needs="train_model",
    title=text(
        "옵티마이저가 정확히 1000번 갱신했습니다 (100 × 10)",
        "the optimizer took exactly 1000 steps (100 × 10)",
    ),
    expected=text(
        "fit 한 번: 100 에포크 × 10 스텝 = 1000번 갱신", "one fit: 100 epochs × 10 steps = 1000 updates"
    ),
    hint=text(
        "model.fit(x, y, epochs=100, batch_size=1)을 한 번만 호출하세요",
        "call model.fit(x, y, epochs=100, batch_size=1) exactly once",
    ),
)
def _step4_optimizer_steps(o: Outcome) -> Finding:
    if problem := training_problem(o):
        return Finding(False, problem)
    steps = o.data.get("optimizer_steps")
    expected = spec.EPOCHS * spec.DATA.size // spec.BATCH_SIZE
    return Finding(steps == expected, found(f"{steps}번 갱신", f"{steps} updates"))


@check(
    "step4.loss_decreases",
    hidden=True,
    needs="train_model",
    title=text("훈련하는 동안 손실이 줄어듭니다", "the training loss goes down"),
    expected=text("마지막 에포크 손실 < 첫 에포크 손실", "last epoch's loss < first epoch's loss"),
    hint=text(
        "x와 y를 바꾸거나 다른 값을 넣지 말고 받은 x, y로 훈련하세요. 다시 compile하지 마세요",
        "train on the x and y you receive, and do not compile again",
    ),
)
def _step4_loss_decreases(o: Outcome) -> Finding:
    if problem := history_problem(o):
        return Finding(False, problem)
    curve = o.data.get("loss_curve", [])
    numbers = [v for v in curve if isinstance(v, (int, float))]
    if len(numbers) < 2 or len(numbers) != len(curve):
        return Finding(False, found(f"손실 기록 {len(curve)}개", f"{len(curve)} loss values recorded"))
    first, last = numbers[0], numbers[-1]
    ok = all(math.isfinite(v) for v in (first, last)) and last < first
    return Finding(ok, found(f"{first:.4g} → {last:.4g}"))


@check(
    "step4.final_loss",
    hidden=True,
    needs="train_model",
    title=text(
        f"훈련된 가중치의 손실(MSE)이 {spec.LOSS_THRESHOLD:g}보다 작습니다",
        f"the trained weights' loss (MSE) is below {spec.LOSS_THRESHOLD:g}",
    ),
    expected=text(
        f"훈련 뒤 가중치로 다시 계산한 MSE < {spec.LOSS_THRESHOLD:g}",
        f"MSE recomputed from the trained weights < {spec.LOSS_THRESHOLD:g}",
    ),
    hint=text(
        "받은 model을 x, y로 epochs=100, batch_size=1 훈련하세요. nan이면 훈련이 발산한 것입니다 "
        "(다른 옵티마이저로 다시 compile하지 마세요)",
        "train the model you receive on x, y with epochs=100, batch_size=1; nan means training "
        "diverged (do not compile again with another optimizer)",
    ),
)
def _step4_final_loss(o: Outcome) -> Finding:
    if problem := training_problem(o):
        return Finding(False, problem)
    loss = _trained_loss(o)
    if not math.isfinite(loss):
        return Finding(False, found(f"MSE = {loss} (발산)", f"MSE = {loss} (diverged)"))
    return Finding(loss < spec.LOSS_THRESHOLD, found(f"MSE = {loss:.4g}"))


# --- step 5 ------------------------------------------------------------------------------------

TRAINED = spec.trained_weights()


@check(
    "step5.evaluate_values",
    hidden=True,
    needs="evaluate_model",
    title=text(
        "loss와 mse가 모델의 실제 평가 값과 같습니다", "loss and mse equal the model's own evaluation"
    ),
    expected=text(
        f"model.evaluate(x, y)의 값: loss = mse ≈ {spec.mse(TRAINED, spec.DATA, spec.DATA):.5g}",
        f"what model.evaluate(x, y) gives: loss = mse ≈ {spec.mse(TRAINED, spec.DATA, spec.DATA):.5g}",
    ),
    hint=text(
        "받은 model과 x, y로 model.evaluate를 부르고 그 두 값을 순서대로 돌려주세요",
        "call model.evaluate with the model, x and y you receive and return its two values in order",
    ),
)
def _step5_evaluate_values(o: Outcome) -> Finding:
    values = [item["value"] for item in o.data.get("evaluate", [])]
    expected = spec.mse(TRAINED, spec.DATA, spec.DATA)
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    ok = len(numbers) == 2 and all(math.isclose(v, expected, rel_tol=1e-4, abs_tol=1e-6) for v in numbers)
    return Finding(
        ok, found(f"({', '.join(f'{v:.5g}' if isinstance(v, float) else str(v) for v in values)})")
    )


@check(
    "step5.predict_values",
    hidden=True,
    needs="predict",
    title=text("예측값이 모델의 실제 출력과 같습니다", "the predictions are the model's own outputs"),
    expected=text(
        f"model.predict([11, 12, 13]) ≈ {show(spec.forward(TRAINED, spec.X_NEW))} (11, 12, 13에 가까움)",
        f"model.predict([11, 12, 13]) ≈ {show(spec.forward(TRAINED, spec.X_NEW))} (close to 11, 12, 13)",
    ),
    hint=text(
        "x_new를 직접 돌려주지 말고 model.predict로 모델이 계산하게 하세요",
        "do not return x_new itself: let the model compute the outputs with model.predict",
    ),
)
def _step5_predict_values(o: Outcome) -> Finding:
    prediction = o.arrays.get("prediction")
    if prediction is None:
        return Finding(False, found("숫자 배열이 아님", "not an array of numbers"))
    expected = spec.forward(TRAINED, spec.X_NEW)
    ok = prediction.size == expected.size and np.allclose(
        prediction.ravel(), expected.ravel(), rtol=1e-4, atol=1e-4
    )
    return Finding(ok, found(show(prediction)))
