"""Step 2's hidden checks. PYTEST_DONT_REWRITE (see autograder.checks.library)."""

from __future__ import annotations

from autograder.checks.library import check, found, layer_params, model_layers, text
from autograder.core import spec
from autograder.core.outcome import Outcome


@check(
    "step2.layer_params",
    after=("step2.input_shape", "step2.dense_units"),
    hidden=True,
    title=text("층마다 파라미터가 10, 18, 4개입니다", "the layers have 10, 18 and 4 parameters"),
    expected=text("1×5+5 = 10, 5×3+3 = 18, 3×1+1 = 4", "1×5+5 = 10, 5×3+3 = 18, 3×1+1 = 4"),
    hint=text(
        "층의 순서를 확인하세요: 노드 3개 층이 5개 층보다 먼저 와도 합계는 32개지만, 층마다의 수는 다릅니다",
        "check the order of the layers: 3 units before 5 also totals 32, but layer by layer it does not",
    ),
)
def test_step2_layer_params(step2: Outcome) -> None:
    counts = layer_params(model_layers(step2))
    assert counts == spec.layer_param_counts(), found(" + ".join(map(str, counts)) or "0")
