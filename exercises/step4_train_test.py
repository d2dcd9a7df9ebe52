# 생성된 파일 (autograder/checks/public/step4.py에서 `make build`로 생성): 공개 검사, `pytest exercises/`로 실행합니다.
# Generated from autograder/checks/public/step4.py by `make build`: the public checks, run by `pytest exercises/`.
"""Step 4's public checks: `train_model(model, x, y)` returns the History of a real fit.
PYTEST_DONT_REWRITE (see autograder.checks.library)."""

from __future__ import annotations

import math

from autograder.checks.library import (
    HELD_OUT_ADVICE,
    assert_genuine_history,
    check,
    found,
    held_out,
    refute,
    text,
)
from autograder.core import spec
from autograder.core.outcome import Outcome


@check(
    "step4.history",
    title=text(
        "받은 모델의 model.fit이 돌려준 History를 돌려줍니다", "returns the History of fit on the given model"
    ),
    expected=text(
        "history = model.fit(...) 후 `return history`", "history = model.fit(...), then `return history`"
    ),
    hint=text(
        "model.fit(...)의 결과를 변수에 담아 돌려주세요. 새 모델을 만들지 말고 받은 model을 훈련하세요",
        "keep what model.fit(...) returns and return it; train the model you receive, not a new one",
    ),
)
def test_step4_history(step4: Outcome) -> None:
    assert_genuine_history(step4)


@check(
    "step4.epochs",
    after=("step4.history",),
    title=text(f"{spec.EPOCHS} 에포크 동안 훈련합니다", f"trains for {spec.EPOCHS} epochs"),
    expected=text(f"epochs={spec.EPOCHS}", f"epochs={spec.EPOCHS}"),
    hint=text(
        f"원문처럼 데이터를 {spec.EPOCHS}번 되풀이해(epochs) 한 번에 {spec.BATCH_SIZE}개씩(batch_size) 훈련하세요: "
        "fit의 두 인자입니다",
        f"train as the tutorial does: {spec.EPOCHS} passes over the data (epochs) in batches of size "
        f"{spec.BATCH_SIZE} (batch_size), both arguments of fit",
    ),
)
def test_step4_epochs(step4: Outcome) -> None:
    assert_genuine_history(step4)
    epochs, curve = step4.data.get("params", {}).get("epochs"), step4.data.get("loss_curve", [])
    if (
        epochs != spec.EPOCHS and epochs == spec.BATCH_SIZE
    ):  # fit(x, y, EPOCHS, BATCH_SIZE): batch_size comes first
        refute(
            found(f"epochs={epochs}"),
            text(
                f"fit의 세 번째 인자는 batch_size, 네 번째가 epochs입니다. 이름을 붙여 쓰세요: "
                f"`epochs={spec.EPOCHS}, batch_size={spec.BATCH_SIZE}`",
                f"fit's third argument is batch_size and its fourth epochs: name them, "
                f"`epochs={spec.EPOCHS}, batch_size={spec.BATCH_SIZE}`",
            ),
        )
    assert epochs == spec.EPOCHS and len(curve) == spec.EPOCHS, found(f"epochs={epochs}")


@check(
    "step4.batch_size",
    after=("step4.history", "step4.epochs"),  # fit(x, y, EPOCHS, BATCH_SIZE) swaps both: one ✗, at epochs
    title=text(
        f"배치 크기 {spec.BATCH_SIZE}로 훈련합니다 (에포크마다 {spec.UPDATES_PER_EPOCH}번 갱신)",
        f"trains with batch size {spec.BATCH_SIZE} ({spec.UPDATES_PER_EPOCH} updates an epoch)",
    ),
    expected=text(
        f"batch_size={spec.BATCH_SIZE}: 데이터 {spec.DATA.size}개 → 에포크마다 {spec.UPDATES_PER_EPOCH} 스텝",
        f"batch_size={spec.BATCH_SIZE}: {spec.DATA.size} samples → {spec.UPDATES_PER_EPOCH} steps an epoch",
    ),
    hint=text(
        "batch_size를 적지 않으면 기본값 32가 쓰여 에포크마다 1번만 갱신됩니다. "
        f"fit에 배치 크기 {spec.BATCH_SIZE}을 주세요",
        "without batch_size Keras uses 32, one update an epoch here; "
        f"give fit a batch size of {spec.BATCH_SIZE}",
    ),
)
def test_step4_batch_size(step4: Outcome) -> None:
    assert_genuine_history(step4)
    steps = step4.data.get("params", {}).get("steps")
    expected = spec.UPDATES_PER_EPOCH
    split = held_out(step4, spec.DATA.size)
    if steps != expected and split is not None:  # batch_size may be 1: fewer samples were trained on
        refute(
            found(
                f"에포크마다 {steps} 스텝: validation_split={split[0]:g} 설정이 샘플 {spec.DATA.size}개 중 "
                f"{spec.DATA.size - split[1]}개를 검증용으로 떼어 {split[1]}개로만 훈련했습니다",
                f"{steps} steps an epoch: validation_split={split[0]:g} held {spec.DATA.size - split[1]} of the "
                f"{spec.DATA.size} samples back for validation, so fit trained on {split[1]}",
            ),
            HELD_OUT_ADVICE,
        )
    batch = "?"
    if isinstance(steps, int) and steps > 0:  # steps = ceil(samples / batch_size)
        batch = f"≥ {spec.DATA.size}" if steps == 1 else f"≈ {math.ceil(spec.DATA.size / steps)}"
    assert steps == expected, found(
        f"에포크마다 {steps} 스텝 (batch_size {batch})", f"{steps} steps an epoch (batch_size {batch})"
    )
