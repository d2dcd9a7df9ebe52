"""The manifest: the five steps of the tutorial, in order. One home for titles, files and hints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    number: int
    slug: str
    module: str  # file name (without .py) in solutions/ and exercises/
    functions: tuple[str, ...]
    title: dict[str, str]
    hint: dict[str, str]
    time_limit: float  # seconds for the learner's code of this step, TensorFlow start-up included

    @property
    def filename(self) -> str:
        return f"{self.module}.py"

    @property
    def needs_tensorflow(self) -> bool:
        """Step 1 builds numpy arrays: it runs without importing TensorFlow."""
        return self.number > 1

    @property
    def checks_filename(self) -> str:
        """The step's public checks beside its file, as pytest (and GitHub Classroom) collect them."""
        return f"{self.module}_test.py"


STEPS: tuple[Step, ...] = (
    Step(
        1,
        "data",
        "step1_data",
        ("make_data",),
        {"ko": "데이터 구성", "en": "Prepare the data"},
        {
            "ko": "np.array([1, 2, ..., 10])로 x를 만들고, y도 같은 값으로 만드세요. "
            "np.arange(1, 11)도 같은 배열입니다. 두 배열을 (x, y) 순서로 돌려주세요.",
            "en": "Build x with np.array([1, 2, ..., 10]) and y with the same values "
            "(np.arange(1, 11) gives the same array). Return them as (x, y).",
        },
        60,
    ),
    Step(
        2,
        "model",
        "step2_model",
        ("build_model",),
        {"ko": "모델 구성", "en": "Build the model"},
        {
            "ko": "model = Sequential()로 시작해 model.add(keras.Input(shape=(1,)))로 입력을 정하고, "
            "Dense(5), Dense(3), Dense(1)을 이 순서로 추가하세요. 파라미터는 10 + 18 + 4 = 32개입니다.",
            "en": "Start with model = Sequential(), add keras.Input(shape=(1,)) for the input, then "
            "Dense(5), Dense(3) and Dense(1) in that order. That is 10 + 18 + 4 = 32 parameters.",
        },
        60,
    ),
    Step(
        3,
        "compile",
        "step3_compile",
        ("compile_model",),
        {"ko": "모델 컴파일", "en": "Compile the model"},
        {
            "ko": "model.compile(loss='mse', optimizer='adam', metrics=['mse'])를 호출한 뒤 "
            "return model로 같은 모델을 돌려주세요.",
            "en": "Call model.compile(loss='mse', optimizer='adam', metrics=['mse']), "
            "then return the same model with return model.",
        },
        60,
    ),
    Step(
        4,
        "train",
        "step4_train",
        ("train_model",),
        {"ko": "모델 훈련", "en": "Train the model"},
        {
            "ko": "history = model.fit(x, y, epochs=100, batch_size=1)로 훈련하고 history를 돌려주세요. "
            "다시 compile하지 마세요: 받은 모델은 이미 컴파일되어 있습니다.",
            "en": "Train with history = model.fit(x, y, epochs=100, batch_size=1) and return history. "
            "Do not compile again: the model you receive is already compiled.",
        },
        120,
    ),
    Step(
        5,
        "evaluate",
        "step5_evaluate",
        ("evaluate_model", "predict"),
        {"ko": "평가와 예측", "en": "Evaluate and predict"},
        {
            "ko": "loss, mse = model.evaluate(x, y, batch_size=1)의 두 값을 float로 돌려주고, "
            "predict에서는 model.predict(x_new.reshape(-1, 1))의 결과(모양 (n, 1))를 그대로 돌려주세요.",
            "en": "Return both values of loss, mse = model.evaluate(x, y, batch_size=1) as floats; in "
            "predict, return model.predict(x_new.reshape(-1, 1)) as it is (shape (n, 1)).",
        },
        60,
    ),
)

STEP_BY_NUMBER = {step.number: step for step in STEPS}
LANGUAGES = ("ko", "en")
