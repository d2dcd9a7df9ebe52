"""Advice by cause: what an error a learner's function raised most likely means, and the real fix.

Keras 2 habits (the tutorial's own style) and common beginners' mistakes end in errors whose text
Keras 3 fixes, so the error's type and message say the cause. Each cause below was made to happen on
the calibrated Keras (tests/test_diagnosis.py raises every one for real), and its advice replaces the
generic "read the error" tip. An error that matches none keeps that tip.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from autograder.checks.library import Text, text
from autograder.core import spec


@dataclass(frozen=True)
class Cause:
    name: str  # a short id, for tests
    step: int  # where a learner meets it
    example: str  # what the learner wrote (the site's table shows it)
    error: str  # the exception's type name
    sample: str  # its message, as the grader reports it from the calibrated Keras (tested)
    message: re.Pattern[str]  # searched in the message
    advice: Callable[[re.Match[str]], Text]  # what to try, in both languages

    def sample_advice(self) -> Text:
        """The advice as the sample error gets it (the site's table)."""
        match = self.message.search(self.sample)
        if match is None:
            raise ValueError(f"{self.name}: its sample does not match its pattern")
        return self.advice(match)


def _fixed(ko: str, en: str) -> Callable[[re.Match[str]], Text]:
    return lambda _match: text(ko, en)


_WHOLE_NUMBERS = _fixed(
    f"epochs와 batch_size는 정수로 쓰세요: `epochs={spec.EPOCHS}, batch_size={spec.BATCH_SIZE}` "
    f"(`{spec.EPOCHS}.0`처럼 소수점을 붙이지 마세요)",
    f"epochs and batch_size are whole numbers: `epochs={spec.EPOCHS}, batch_size={spec.BATCH_SIZE}` "
    f"(no decimal point, as in `{spec.EPOCHS}.0`)",
)

CAUSES: tuple[Cause, ...] = (
    Cause(
        "optimizer_lr",
        3,
        "optimizer=keras.optimizers.Adam(lr=0.001)",
        "ValueError",
        "Argument(s) not recognized: {'lr': 0.001}",
        re.compile(r"Argument\(s\) not recognized: \{'lr'"),
        _fixed(
            "Keras 3에서는 `lr` 대신 `learning_rate`라고 씁니다: `keras.optimizers.Adam(learning_rate=0.01)`",
            "Keras 3 calls it `learning_rate`, not `lr`: `keras.optimizers.Adam(learning_rate=0.01)`",
        ),
    ),
    Cause(
        "compile_lr",
        3,
        "model.compile(..., lr=0.001)",
        "TypeError",
        "Trainer.compile() got an unexpected keyword argument 'lr'",
        re.compile(r"unexpected keyword argument '(lr|learning_rate)'"),
        _fixed(
            "학습률은 compile이 아니라 옵티마이저에 줍니다: "
            "`optimizer=keras.optimizers.Adam(learning_rate=0.01)`. 이 강좌는 `optimizer='adam'`이면 됩니다",
            "the learning rate goes to the optimizer, not to compile: "
            "`optimizer=keras.optimizers.Adam(learning_rate=0.01)`; this course needs only `optimizer='adam'`",
        ),
    ),
    Cause(
        "layers_core",
        2,
        "from keras.layers.core import Dense",
        "ModuleNotFoundError",
        "No module named 'keras.layers.core'",
        re.compile(r"No module named '(tensorflow\.)?keras\.layers\.core'"),
        _fixed(
            "Keras 3에는 `keras.layers.core`가 없습니다: `from keras.layers import Dense`라고 쓰세요",
            "Keras 3 has no `keras.layers.core`: write `from keras.layers import Dense`",
        ),
    ),
    Cause(
        "shape_not_tuple",
        2,
        "keras.Input(shape=1)",
        "ValueError",
        "Cannot convert '1' to a shape.",
        re.compile(r"Cannot convert '(\d+)' to a shape"),
        lambda match: text(
            f"모양(shape)은 튜플로 씁니다: `keras.Input(shape=({match[1]},))`, `input_shape=({match[1]},)` "
            "(쉼표가 있어야 튜플입니다)",
            f"a shape is a tuple: `keras.Input(shape=({match[1]},))`, `input_shape=({match[1]},)` "
            "(the comma makes it a tuple)",
        ),
    ),
    Cause(
        "add_input_dim",
        2,
        "model.add(Dense(5), input_dim=1)",
        "TypeError",
        "Sequential.add() got an unexpected keyword argument 'input_dim'",
        re.compile(r"add\(\) got an unexpected keyword argument '(input_dim|input_shape)'"),
        lambda match: text(
            f"`{match[1]}`는 `model.add(...)`가 아니라 층 안에 씁니다: `model.add(Dense(5, {match[1]}=...))`, "
            "또는 맨 앞에 `keras.Input(shape=(1,))`",
            f"`{match[1]}` goes inside the layer, not to `model.add(...)`: `model.add(Dense(5, {match[1]}=...))`, "
            "or start with `keras.Input(shape=(1,))`",
        ),
    ),
    Cause(
        "float_epochs",
        4,
        f"model.fit(x, y, epochs={spec.EPOCHS}.0, batch_size={spec.BATCH_SIZE})",
        "TypeError",
        "'float' object cannot be interpreted as an integer",
        re.compile(r"'float' object cannot be interpreted as an integer"),
        _WHOLE_NUMBERS,
    ),
    Cause(
        "float_batch_size",
        4,
        f"model.fit(x, y, epochs={spec.EPOCHS}, batch_size={spec.BATCH_SIZE}.0)",
        "TypeError",
        "Expected int32 passed to parameter 'size' of op 'Slice', got [10.0] of type 'list' instead. Error: Expected int32, but got 10.0 of type 'float'.",
        re.compile(r"Expected int32.*got .* of type 'float'"),
        _WHOLE_NUMBERS,
    ),
    Cause(
        "nb_epoch",
        4,
        f"model.fit(x, y, nb_epoch={spec.EPOCHS}, batch_size={spec.BATCH_SIZE})",
        "TypeError",
        "got an unexpected keyword argument 'nb_epoch'",
        re.compile(r"unexpected keyword argument 'nb_epoch'"),
        _fixed(
            f"Keras 2의 `nb_epoch`는 이제 `epochs`입니다: `epochs={spec.EPOCHS}`",
            f"Keras 2's `nb_epoch` is `epochs` now: `epochs={spec.EPOCHS}`",
        ),
    ),
    Cause(
        "python_list",
        5,
        "model.predict([11, 12, 13])",
        "ValueError",
        "Unrecognized data type: x=[11, 12, 13] (of type <class 'list'>)",
        re.compile(r"Unrecognized data type: x=\[.*\(of type <class 'list'>\)"),
        _fixed(
            "Keras 3은 파이썬 리스트를 받지 않습니다: `np.array([...])`로 감싸서 주세요",
            "Keras 3 does not take Python lists: wrap them in `np.array([...])`",
        ),
    ),
    Cause(
        "not_compiled",
        4,
        "model = keras.Sequential([...])  # in train_model",
        "ValueError",
        "You must call `compile()` before using the model.",
        re.compile(r"You must call `compile\(\)` before"),
        _fixed(
            "모델을 먼저 compile하세요: 이 단계가 받는 모델은 3단계의 `compile_model`을 거친 모델입니다",
            "compile the model first: this step expects the model that step 3's `compile_model` compiled",
        ),
    ),
    Cause(
        "unknown_name",
        3,
        "optimizer='adma'",
        "ValueError",
        "Could not interpret optimizer identifier: adma",
        re.compile(r"Could not interpret (loss|optimizer|metric) identifier: (\S+)"),
        lambda match: text(
            f"Keras가 모르는 {match[1]} 이름입니다: `{match[2]}`. 철자를 확인하세요 (이 강좌는 `'mse'`, `'adam'`)",
            f"Keras knows no {match[1]} named `{match[2]}`: check the spelling (this course uses `'mse'`, `'adam'`)",
        ),
    ),
    Cause(
        "predict_classes",
        5,
        "model.predict_classes(x_new)",
        "AttributeError",
        "'Sequential' object has no attribute 'predict_classes'",
        re.compile(r"has no attribute 'predict_classes'"),
        _fixed(
            "Keras 3에는 `predict_classes`가 없습니다: `model.predict(x)`를 쓰세요",
            "Keras 3 has no `predict_classes`: use `model.predict(x)`",
        ),
    ),
    Cause(
        "dense_units",
        2,
        "Dense(input_dim=1)",
        "TypeError",
        "Dense.__init__() missing 1 required positional argument: 'units'",
        re.compile(r"Dense\.__init__\(\) missing 1 required positional argument: 'units'"),
        _fixed(
            "Dense에는 뉴런 수를 먼저 줍니다: `Dense(5)`, `Dense(3)`, `Dense(1)`",
            "Dense takes its number of units first: `Dense(5)`, `Dense(3)`, `Dense(1)`",
        ),
    ),
    Cause(
        "numpy_not_imported",
        1,
        "x = np.arange(1, 11)  # without import numpy as np",
        "NameError",
        "name 'np' is not defined",
        re.compile(r"name '(np|numpy)' is not defined"),
        _fixed(
            "파일 맨 위에 `import numpy as np`가 있어야 합니다 (빈칸 파일에 있던 줄을 지우지 마세요)",
            "the file needs `import numpy as np` at the top (keep the stub's import lines)",
        ),
    ),
)


def diagnose(error: dict) -> Cause | None:
    """The cause an error (its `type` and `message`, as the child reported them) matches, if any."""
    kind, message = str(error.get("type", "")), str(error.get("message", ""))
    return next((c for c in CAUSES if c.error == kind and c.message.search(message)), None)


def advice(error: dict) -> Text | None:
    """What to try for this error's cause, or None where no cause is known (the generic tip then)."""
    cause = diagnose(error)
    if cause is None:
        return None
    match = cause.message.search(str(error.get("message", "")))
    return cause.advice(match) if match is not None else None  # diagnose matched it: never None
