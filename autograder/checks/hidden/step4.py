"""Step 4's hidden checks: the training really happened and worked. PYTEST_DONT_REWRITE (see
autograder.checks.library)."""

from __future__ import annotations

import math

from autograder.checks.library import (
    HELD_OUT_ADVICE,
    assert_genuine_history,
    assert_verified_training,
    check,
    found,
    held_out,
    learning_rate_changed,
    refute,
    text,
)
from autograder.core import spec
from autograder.core.outcome import Outcome


@check(
    "step4.optimizer_steps",
    after=("step4.epochs", "step4.batch_size"),  # wrong settings: their own ✗ says which
    hidden=True,
    title=text(
        f"옵티마이저가 정확히 {spec.UPDATES}번 갱신했습니다 ({spec.EPOCHS} × {spec.UPDATES_PER_EPOCH})",
        f"the optimizer took exactly {spec.UPDATES} steps ({spec.EPOCHS} × {spec.UPDATES_PER_EPOCH})",
    ),
    expected=text(
        f"fit 한 번: {spec.EPOCHS} 에포크 × {spec.UPDATES_PER_EPOCH} 스텝 = {spec.UPDATES}번 갱신",
        f"one fit: {spec.EPOCHS} epochs × {spec.UPDATES_PER_EPOCH} steps = {spec.UPDATES} updates",
    ),
    hint=text(
        "fit은 한 번만 부르세요: 다시 부르면 이어서 더 훈련합니다",
        "call fit exactly once: a second call goes on training",
    ),
)
def test_step4_optimizer_steps(step4: Outcome) -> None:
    assert_verified_training(step4)
    steps = step4.data.get("optimizer_steps")
    expected = spec.UPDATES
    split = held_out(step4, spec.DATA.size)
    if steps != expected and split is not None:
        refute(
            found(
                f"{steps}번 갱신: validation_split={split[0]:g} 때문에 {split[1]}개로만 훈련했습니다",
                f"{steps} updates: validation_split={split[0]:g} left {split[1]} samples to train on",
            ),
            HELD_OUT_ADVICE,
        )
    assert steps == expected, found(f"{steps}번 갱신", f"{steps} updates")


@check(
    "step4.loss_decreases",
    after=("step4.history", "step4.epochs"),  # one epoch has no trend: the epochs ✗ says why
    hidden=True,
    title=text("훈련하는 동안 손실이 줄어듭니다", "the training loss goes down"),
    expected=text("마지막 에포크 손실 < 첫 에포크 손실", "last epoch's loss < first epoch's loss"),
    hint=text(
        "x와 y를 바꾸거나 다른 값을 넣지 말고 받은 x, y로 훈련하세요. 다시 compile하지 마세요",
        "train on the x and y you receive, and do not compile again",
    ),
)
def test_step4_loss_decreases(step4: Outcome) -> None:
    assert_genuine_history(step4)
    curve = step4.data.get("loss_curve", [])
    numbers = [v for v in curve if isinstance(v, (int, float))]
    assert len(numbers) >= 2 and len(numbers) == len(curve), found(
        f"손실 기록 {len(curve)}개", f"{len(curve)} loss values recorded"
    )
    first, last = numbers[0], numbers[-1]
    ok = all(math.isfinite(v) for v in (first, last)) and last < first
    assert ok, found(f"{first:.4g} → {last:.4g}")


@check(
    "step4.final_loss",
    after=("step4.epochs", "step4.batch_size"),  # too little training: the settings' ✗ says why
    hidden=True,
    title=text(
        f"훈련된 가중치의 손실(MSE)이 {spec.LOSS_THRESHOLD:g}보다 작습니다",
        f"the trained weights' loss (MSE) is below {spec.LOSS_THRESHOLD:g}",
    ),
    expected=text(
        f"훈련 뒤 가중치로 다시 계산한 MSE < {spec.LOSS_THRESHOLD:g}",
        f"MSE recomputed from the trained weights < {spec.LOSS_THRESHOLD:g}",
    ),
    hint=text(
        f"받은 model을 x, y로 epochs={spec.EPOCHS}, batch_size={spec.BATCH_SIZE} 훈련하세요. "
        "nan이면 훈련이 발산한 것입니다 (다른 옵티마이저로 다시 compile하지 마세요)",
        f"train the model you receive on x, y with epochs={spec.EPOCHS}, batch_size={spec.BATCH_SIZE}; "
        "nan means training diverged (do not compile again with another optimizer)",
    ),
)
def test_step4_final_loss(step4: Outcome) -> None:
    assert_verified_training(step4)
    weights = [step4.arrays[f"after{i}"] for i in range(len(spec.UNITS) * 2)]
    loss = spec.mse(weights, spec.DATA, spec.DATA)
    assert math.isfinite(loss), found(f"MSE = {loss} (발산)", f"MSE = {loss} (diverged)")
    if loss >= spec.LOSS_THRESHOLD and learning_rate_changed(step4):
        refute(
            found(
                f"MSE = {loss:.4g} (훈련 중에 학습률이 바뀌었습니다)",
                f"MSE = {loss:.4g} (the learning rate changed during training)",
            ),
            text(
                f"콜백(LearningRateScheduler 같은)이 학습률을 낮추면 {spec.EPOCHS} 에포크 안에 충분히 배우지 "
                "못합니다: 원문처럼 Adam의 학습률을 그대로 두고 훈련하세요",
                "a callback (such as LearningRateScheduler) that lowers the learning rate leaves too little "
                f"learning for {spec.EPOCHS} epochs: train with Adam's rate unchanged, as the tutorial does",
            ),
        )
    assert loss < spec.LOSS_THRESHOLD, found(f"MSE = {loss:.4g}")
