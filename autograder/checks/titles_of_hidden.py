# Generated from autograder/checks/hidden/ by `make build`: do not edit.
"""What the hidden checks look at (their titles, not how they judge), by step: a learner's
copy holds no hidden checks, and `check` names these so that grading holds no surprise."""

from __future__ import annotations

HIDDEN_TITLES: dict[int, tuple[dict[str, str], ...]] = {
    2: (
        {
            "ko": "층마다 파라미터가 10, 18, 4개입니다",
            "en": "the layers have 10, 18 and 4 parameters",
        },
    ),
    4: (
        {
            "ko": "옵티마이저가 정확히 1000번 갱신했습니다 (100 × 10)",
            "en": "the optimizer took exactly 1000 steps (100 × 10)",
        },
        {
            "ko": "훈련하는 동안 손실이 줄어듭니다",
            "en": "the training loss goes down",
        },
        {
            "ko": "훈련된 가중치의 손실(MSE)이 1보다 작습니다",
            "en": "the trained weights' loss (MSE) is below 1",
        },
    ),
    5: (
        {
            "ko": "loss와 mse가 모델의 실제 평가 값과 같습니다",
            "en": "loss and mse equal the model's own evaluation",
        },
        {
            "ko": "예측값이 모델의 실제 출력과 같습니다",
            "en": "the predictions are the model's own outputs",
        },
    ),
}
