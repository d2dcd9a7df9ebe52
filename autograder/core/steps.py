"""The manifest: the five steps of the tutorial, in order. One home for titles, files and hints.

Plain Python, no numpy: the notebook reader's limited child (autograder.core.notebooks, `python -I -S`)
imports it. So the hints type the recipe's numbers; tests/test_recipe_literals.py ties them to spec."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, kw_only=True)
class Step:
    number: int
    slug: str
    module: str  # file name (without .py) in solutions/ and exercises/
    functions: tuple[str, ...]
    title: dict[str, str]
    hint: dict[str, str]
    time_limit: float  # seconds for the learner's code of this step, TensorFlow start-up included
    nudges: tuple[dict[str, str], ...] = ()  # hints before `hint`, which gives the answer's lines
    # What the grader recomputes in a child that runs no learner code, instead of taking the child's
    # word (autograder.sandbox.replay): "rebuild" from a Keras config, "replay" of the recorded fit.
    recompute: Literal["rebuild", "replay"] | None = None

    @property
    def hints(self) -> tuple[dict[str, str], ...]:
        """Graduated: a nudge, then the idea, then the answer's lines (`keras-course hint N`)."""
        return (*self.nudges, self.hint)

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
        number=1,
        slug="data",
        module="step1_data",
        functions=("make_data",),
        title={"ko": "데이터 구성", "en": "Prepare the data"},
        hint={
            "ko": "x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])로 x를 만들고, y도 같은 값으로 만드세요. "
            "np.arange(1, 11)도 같은 배열입니다. 두 배열을 (x, y) 순서로 돌려주세요.",
            "en": "Build x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) and y with the same values "
            "(np.arange(1, 11) gives the same array). Return them as (x, y).",
        },
        time_limit=60,
        nudges=(
            {
                "ko": "x와 y는 둘 다 1부터 10까지의 숫자 10개입니다. 파이썬 리스트가 아니라 numpy 배열로 만드세요.",
                "en": "x and y are both the ten numbers 1 to 10, as numpy arrays rather than Python lists.",
            },
            {
                "ko": "np.array(리스트)는 리스트를 numpy 배열로 바꿉니다. np.arange(시작, 끝)은 끝 바로 앞에서 멈춥니다. 함수는 두 값을 쉼표로 이어 돌려줄 수 있습니다.",
                "en": "np.array(list) turns a list into a numpy array; np.arange(start, stop) stops just before stop. A function can return two values separated by a comma.",
            },
        ),
    ),
    Step(
        number=2,
        slug="model",
        module="step2_model",
        functions=("build_model",),
        title={"ko": "모델 구성", "en": "Build the model"},
        hint={
            "ko": "model = Sequential()로 시작해 model.add(keras.Input(shape=(1,)))로 입력을 정하고, "
            "Dense(5), Dense(3), Dense(1)을 이 순서로 추가하세요. 파라미터는 10 + 18 + 4 = 32개입니다.",
            "en": "Start with model = Sequential(), add keras.Input(shape=(1,)) for the input, then "
            "Dense(5), Dense(3) and Dense(1) in that order. That is 10 + 18 + 4 = 32 parameters.",
        },
        time_limit=60,
        recompute="rebuild",
        nudges=(
            {
                "ko": "모델은 층을 차례로 쌓는 Sequential입니다: 입력 1개 → 노드 5개 → 3개 → 1개.",
                "en": "The model is a Sequential stack of layers: 1 input → 5 units → 3 units → 1 unit.",
            },
            {
                "ko": "Keras 3에서는 먼저 keras.Input으로 입력의 모양을 정하고, 완전 연결 층마다 Dense(노드 수)를 model.add 합니다. 만든 모델을 돌려주세요.",
                "en": "In Keras 3 you first give the input's shape with keras.Input, then model.add one Dense(units) per fully connected layer. Return the model you built.",
            },
        ),
    ),
    Step(
        number=3,
        slug="compile",
        module="step3_compile",
        functions=("compile_model",),
        title={"ko": "모델 컴파일", "en": "Compile the model"},
        hint={
            "ko": "model.compile(loss='mse', optimizer='adam', metrics=['mse'])를 호출한 뒤 "
            "return model로 같은 모델을 돌려주세요.",
            "en": "Call model.compile(loss='mse', optimizer='adam', metrics=['mse']), "
            "then return the same model with return model.",
        },
        time_limit=60,
        recompute="rebuild",
        nudges=(
            {
                "ko": "compile은 훈련하는 방법을 정합니다: 손실 함수, 옵티마이저, 지켜볼 지표. 튜토리얼은 평균제곱오차와 Adam을 씁니다.",
                "en": "compile sets how the model will train: a loss, an optimizer and the metrics to watch. The tutorial uses mean squared error and Adam.",
            },
            {
                "ko": "compile의 세 인자는 이름(문자열)으로 줄 수 있고, metrics는 리스트입니다. 받은 model을 컴파일한 뒤 그 model을 돌려주세요.",
                "en": "compile's three arguments can be given by name (strings), and metrics is a list. Compile the model you receive, then return that model.",
            },
        ),
    ),
    Step(
        number=4,
        slug="train",
        module="step4_train",
        functions=("train_model",),
        title={"ko": "모델 훈련", "en": "Train the model"},
        hint={
            "ko": "history = model.fit(x, y, epochs=100, batch_size=1)로 훈련하고 history를 돌려주세요. "
            "다시 compile하지 마세요: 받은 모델은 이미 컴파일되어 있습니다.",
            "en": "Train with history = model.fit(x, y, epochs=100, batch_size=1) and return history. "
            "Do not compile again: the model you receive is already compiled.",
        },
        time_limit=120,
        recompute="replay",
        nudges=(
            {
                "ko": "훈련은 model.fit이 합니다. 튜토리얼은 데이터를 100번 되풀이해 보고(에포크), 한 번에 한 개씩(배치 크기) 봅니다.",
                "en": "model.fit does the training. The tutorial goes over the data 100 times (epochs), one sample at a time (batch size).",
            },
            {
                "ko": "fit은 훈련 기록(History)을 돌려줍니다: 변수에 담아 돌려주세요. batch_size를 빼면 Keras는 32를 씁니다.",
                "en": "fit returns the training record, a History: keep it in a variable and return it. Without batch_size Keras uses 32.",
            },
        ),
    ),
    Step(
        number=5,
        slug="evaluate",
        module="step5_evaluate",
        functions=("evaluate_model", "predict"),
        title={"ko": "평가와 예측", "en": "Evaluate and predict"},
        hint={
            "ko": "loss, mse = model.evaluate(x, y, batch_size=1)의 두 값을 float로 돌려주고, "
            "predict에서는 model.predict(x_new.reshape(-1, 1))의 결과(모양 (n, 1))를 그대로 돌려주세요.",
            "en": "Return both values of loss, mse = model.evaluate(x, y, batch_size=1) as floats; in "
            "predict, return model.predict(x_new.reshape(-1, 1)) as it is (shape (n, 1)).",
        },
        time_limit=60,
        nudges=(
            {
                "ko": "evaluate는 손실과 지표(여기서는 둘 다 mse)를 계산하고, predict는 새 입력에 대한 모델의 출력을 계산합니다.",
                "en": "evaluate computes the loss and the metrics (here both mse); predict computes the model's outputs for new inputs.",
            },
            {
                "ko": "evaluate가 주는 두 값을 float로 돌려주세요. 모델은 (샘플 수, 1) 모양의 입력을 받으니 predict에 넣기 전에 x_new의 모양을 바꾸세요.",
                "en": "Return the two values evaluate gives as floats. The model takes inputs of shape (samples, 1), so reshape x_new before predict.",
            },
        ),
    ),
)

STEP_BY_NUMBER = {step.number: step for step in STEPS}
LANGUAGES = ("ko", "en")


def slowest_first(steps: Iterable[Step]) -> list[Step]:
    """The order to start steps in parallel: the longest time limit (step 4's training) first, so
    it does not start last and run alone while the other workers wait."""
    return sorted(steps, key=lambda step: (-step.time_limit, step.number))


def default_lang() -> str:
    """Korean unless KERAS_COURSE_LANG names another of LANGUAGES."""
    lang = os.environ.get("KERAS_COURSE_LANG", "ko")
    return lang if lang in LANGUAGES else "ko"
