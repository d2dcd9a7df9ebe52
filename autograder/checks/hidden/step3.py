"""Step 3's hidden checks. PYTEST_DONT_REWRITE (see autograder.checks)."""

from __future__ import annotations

from autograder.checks import Outcome, check, found, normalized, spec, text


@check(
    "step3.metrics",
    hidden=True,
    title=text("지표(metrics)에 mse가 있습니다", "mse is among the metrics"),
    expected=text("metrics=['mse']", "metrics=['mse']"),
    hint=text(
        "model.compile(..., metrics=['mse'])처럼 리스트로 mse를 넣으세요",
        "add metrics=['mse'] (a list) to compile",
    ),
)
def test_step3_metrics(step3: Outcome) -> None:
    metrics = step3.data.get("metrics", [])
    ok = any(normalized(name) in spec.LOSS_NAMES for name in metrics)
    assert ok, found(", ".join(metrics) or "없음", ", ".join(metrics) or "none")
