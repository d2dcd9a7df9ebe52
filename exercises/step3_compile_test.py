# 생성된 파일 (autograder/checks/public/step3.py에서 `make build`로 생성): 공개 검사, `pytest exercises/`로 실행합니다.
# Generated from autograder/checks/public/step3.py by `make build`: the public checks, run by `pytest exercises/`.
"""Step 3's public checks: `compile_model(model)` compiles the model it receives.
PYTEST_DONT_REWRITE (see autograder.checks.library)."""

from __future__ import annotations

from autograder.checks.library import check, found, normalized, refute, text
from autograder.core import spec
from autograder.core.outcome import Outcome


@check(
    "step3.returns_model",
    title=text("받은 모델을 컴파일해서 돌려줍니다", "compiles the model it receives and returns it"),
    expected=text("컴파일된 같은 model (`return model`)", "the same model, compiled (`return model`)"),
    hint=text(
        "새 모델을 만들지 말고, 받은 model을 컴파일한 뒤 그 model을 돌려주세요",
        "do not build a new model: compile the model you receive, then return that model",
    ),
)
def test_step3_returns_model(step3: Outcome) -> None:
    returned = step3.calls["compile_model"].get("returned", "?")
    if returned == "NoneType":  # `return model.compile(...)`, or no return at all
        refute(
            found("아무것도 돌려주지 않음 (None)", "nothing (None)"),
            text(
                "`model.compile(...)`은 값을 돌려주지 않습니다(None). compile을 부른 뒤 다음 줄에 `return model`을 쓰세요",
                "`model.compile(...)` gives back nothing (None): call compile, then `return model` on the next line",
            ),
        )
    assert step3.data.get("returned_given_model"), found(
        f"다른 값을 돌려줌: {returned}", f"returned something else: {returned}"
    )
    assert step3.data.get("compiled"), found("컴파일되지 않음", "not compiled")


@check(
    "step3.loss",
    title=text("손실 함수는 평균제곱오차(mse)입니다", "the loss is mean squared error (mse)"),
    expected=text("loss='mse'", "loss='mse'"),
    hint=text(
        "compile의 loss 인자에 평균 제곱 오차(mean squared error)의 약자를 문자열로 주세요",
        "give compile's loss argument the short name of mean squared error, as a string",
    ),
)
def test_step3_loss(step3: Outcome) -> None:
    losses = step3.data.get("loss", [])
    ok = len(losses) == 1 and normalized(losses[0]) in spec.LOSS_NAMES
    assert ok, found(", ".join(losses) or "없음", ", ".join(losses) or "none")


@check(
    "step3.optimizer",
    title=text("옵티마이저는 Adam입니다", "the optimizer is Adam"),
    expected=text("optimizer='adam'", "optimizer='adam'"),
    hint=text(
        "원문처럼 Adam 옵티마이저를 이름(문자열)으로 주세요. 'sgd'는 이 데이터에서 손실이 nan으로 발산하기 쉽습니다",
        "give the Adam optimizer by its name (a string), as the tutorial does; 'sgd' tends to diverge to nan on this unscaled data",
    ),
)
def test_step3_optimizer(step3: Outcome) -> None:
    name = step3.data.get("optimizer", "없음")
    ok = bool(step3.data.get("optimizer_is_adam")) and normalized(name) == spec.OPTIMIZER_NAME
    assert ok, found(name)


@check(
    "step3.metrics",
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
