"""Step 3's hidden checks. PYTEST_DONT_REWRITE (see autograder.checks.library)."""

from __future__ import annotations

from autograder.checks.library import check, found, normalized, text
from autograder.core import spec
from autograder.core.outcome import Outcome


@check(
    "step3.metrics",
    hidden=True,
    title=text("지표(metrics)에 mse가 있습니다", "mse is among the metrics"),
    expected=text("metrics=['mse']", "metrics=['mse']"),
    hint=text(
        "compile의 metrics에는 지표 이름을 담은 리스트를 주세요: 손실과 같은 평균 제곱 오차 하나",
        "give compile's metrics a list of metric names: just mean squared error, the same as the loss",
    ),
)
def test_step3_metrics(step3: Outcome) -> None:
    metrics = step3.data.get("metrics", [])
    ok = any(normalized(name) in spec.LOSS_NAMES for name in metrics)
    assert ok, found(", ".join(metrics) or "없음", ", ".join(metrics) or "none")
