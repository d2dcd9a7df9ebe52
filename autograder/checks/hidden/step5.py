"""Step 5's hidden checks: the values are the model's own, on step 5's fixed "trained" model.
PYTEST_DONT_REWRITE (see autograder.checks.library)."""

from __future__ import annotations

import math

import numpy as np

from autograder.checks.library import check, found, show, text
from autograder.core import spec
from autograder.core.outcome import Outcome

TRAINED = spec.trained_weights()
EVALUATED = spec.mse(TRAINED, spec.DATA, spec.DATA)
PREDICTED = spec.forward(TRAINED, spec.X_NEW)


@check(
    "step5.evaluate_values",
    after=("step5.evaluate_pair",),
    hidden=True,
    title=text(
        "loss와 mse가 모델의 실제 평가 값과 같습니다", "loss and mse equal the model's own evaluation"
    ),
    expected=text(
        f"model.evaluate(x, y)의 값: loss = mse ≈ {EVALUATED:.5g}",
        f"what model.evaluate(x, y) gives: loss = mse ≈ {EVALUATED:.5g}",
    ),
    hint=text(
        "받은 model과 x, y로 model.evaluate를 부르고 그 두 값을 순서대로 돌려주세요",
        "call model.evaluate with the model, x and y you receive and return its two values in order",
    ),
)
def test_step5_evaluate_values(step5: Outcome) -> None:
    values = [item["value"] for item in step5.data.get("evaluate", [])]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    ok = len(numbers) == 2 and all(math.isclose(v, EVALUATED, rel_tol=1e-4, abs_tol=1e-6) for v in numbers)
    assert ok, found(f"({', '.join(f'{v:.5g}' if isinstance(v, float) else str(v) for v in values)})")


@check(
    "step5.predict_values",
    after=("step5.predict_shape",),
    hidden=True,
    needs="predict",
    title=text("예측값이 모델의 실제 출력과 같습니다", "the predictions are the model's own outputs"),
    expected=text(
        f"model.predict([11, 12, 13]) ≈ {show(PREDICTED)} (11, 12, 13에 가까움)",
        f"model.predict([11, 12, 13]) ≈ {show(PREDICTED)} (close to 11, 12, 13)",
    ),
    hint=text(
        "x_new를 직접 돌려주지 말고 model.predict로 모델이 계산하게 하세요",
        "do not return x_new itself: let the model compute the outputs with model.predict",
    ),
)
def test_step5_predict_values(step5: Outcome) -> None:
    prediction = step5.arrays.get("prediction")
    assert prediction is not None, found("숫자 배열이 아님", "not an array of numbers")
    ok = prediction.size == PREDICTED.size and np.allclose(
        prediction.ravel(), PREDICTED.ravel(), rtol=1e-4, atol=1e-4
    )
    assert ok, found(show(prediction))
