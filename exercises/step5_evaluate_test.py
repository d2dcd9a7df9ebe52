# 생성된 파일 (autograder/checks/public/step5.py에서 `make build`로 생성): 공개 검사, `pytest exercises/`로 실행합니다.
# Generated from autograder/checks/public/step5.py by `make build`: the public checks, run by `pytest exercises/`.
"""Step 5's public checks: `evaluate_model` returns (loss, mse) and `predict` the model's outputs.
PYTEST_DONT_REWRITE (see autograder.checks.library)."""

from __future__ import annotations

from autograder.checks.library import check, found, is_real_number, text
from autograder.core import spec
from autograder.core.outcome import Outcome


@check(
    "step5.evaluate_pair",
    title=text(
        "evaluate_model은 (loss, mse) 두 숫자를 돌려줍니다", "evaluate_model returns two numbers (loss, mse)"
    ),
    expected=text("(loss, mse): float 두 개", "(loss, mse): two floats"),
    hint=text(
        "evaluate가 돌려주는 두 값(손실, 지표)을 두 변수로 나누어 받고, 각각 float로 바꿔 둘 다 돌려주세요",
        "unpack the two values evaluate returns (loss, metric) into two variables and return both, each as a float",
    ),
)
def test_step5_evaluate_pair(step5: Outcome) -> None:
    returned = step5.calls["evaluate_model"].get("returned", "?")
    assert step5.data.get("evaluate_pair"), found(f"두 값이 아닌 {returned}", f"{returned}, not two values")
    values = [item["value"] for item in step5.data["evaluate"]]
    types = ", ".join(item["type"] for item in step5.data["evaluate"])
    assert all(is_real_number(v) for v in values), found(f"({types})")


@check(
    "step5.predict_shape",
    needs="predict",
    title=text("predict는 모양 (3, 1)의 숫자 배열을 돌려줍니다", "predict returns numbers of shape (3, 1)"),
    expected=text(
        "입력 [11, 12, 13]에 대해 모양 (3, 1)인 배열", "for input [11, 12, 13], an array of shape (3, 1)"
    ),
    hint=text(
        "x_new를 (샘플 수, 1) 모양으로 바꿔 model.predict에 주고, 그 결과를 바꾸지 말고 돌려주세요",
        "reshape x_new to (samples, 1), give it to model.predict, and return what it gives, unchanged",
    ),
)
def test_step5_predict_shape(step5: Outcome) -> None:
    prediction = step5.arrays.get("prediction")
    kind = step5.data.get("prediction_type", "?")
    assert prediction is not None, found(f"숫자 배열이 아닌 {kind}", f"{kind}, not an array of numbers")
    assert prediction.shape == (spec.X_NEW.size, 1), found(f"shape {prediction.shape}")
