"""Advice by cause: each Keras 2 habit or beginner's mistake of autograder.checks.diagnosis is made to
happen for real (the learner's file, run in the sandbox on the calibrated Keras), and its one ✗ gives
that cause's advice in both languages; an error of no known cause keeps the generic tip."""

from __future__ import annotations

import pytest

from autograder.checks.diagnosis import CAUSES, advice, diagnose
from autograder.checks.judging import NOTEBOOK_ERROR_HINT, Verdict, run_yourself
from autograder.checks.library import found
from autograder.checks.registry import all_checks
from autograder.checks.report import StepReport, for_notebook
from autograder.core.outcome import Outcome
from autograder.core.steps import STEP_BY_NUMBER
from autograder.learner import kernel

from answers import Answer, solution_answer

SEQUENTIAL = "model = Sequential({layers})\nreturn model"
KERAS = "import keras\n"

# cause name -> (the learner's answer, a phrase of the advice in English and in Korean)
HABITS: dict[str, tuple[Answer, str, str]] = {
    "optimizer_lr": (
        Answer(
            3,
            {
                "compile_model": "model.compile(loss='mse', optimizer=keras.optimizers.Adam(lr=0.001), "
                "metrics=['mse'])\nreturn model"
            },
            KERAS,
        ),
        "calls it `learning_rate`",
        "`learning_rate`라고 씁니다",
    ),
    "compile_lr": (
        Answer(
            3,
            {
                "compile_model": "model.compile(loss='mse', optimizer='adam', metrics=['mse'], lr=0.001)\n"
                "return model"
            },
        ),
        "goes to the optimizer",
        "옵티마이저에 줍니다",
    ),
    "layers_core": (
        Answer(2, solution_answer(2).bodies, "from keras.layers.core import Dense\n"),
        "`from keras.layers import Dense`",
        "`from keras.layers import Dense`",
    ),
    "shape_not_tuple": (
        Answer(
            2,
            {"build_model": SEQUENTIAL.format(layers="[keras.Input(shape=1), Dense(5), Dense(3), Dense(1)]")},
        ),
        "`keras.Input(shape=(1,))`",
        "튜플로 씁니다",
    ),
    "add_input_dim": (
        Answer(
            2,
            {
                "build_model": "model = Sequential()\nmodel.add(Dense(5), input_dim=1)\nmodel.add(Dense(3))\n"
                "model.add(Dense(1))\nreturn model"
            },
        ),
        "goes inside the layer",
        "층 안에 씁니다",
    ),
    "dense_units": (
        Answer(2, {"build_model": SEQUENTIAL.format(layers="[Dense(input_dim=1), Dense(3), Dense(1)]")}),
        "number of units first",
        "뉴런 수를 먼저",
    ),
    "unknown_name": (
        Answer(
            3, {"compile_model": "model.compile(loss='mse', optimizer='adma', metrics=['mse'])\nreturn model"}
        ),
        "no optimizer named `adma`",
        "`adma`",
    ),
    "float_epochs": (
        Answer(4, {"train_model": "return model.fit(x, y, epochs=100.0, batch_size=1)"}),
        "whole numbers",
        "정수로 쓰세요",
    ),
    "float_batch_size": (
        Answer(4, {"train_model": "return model.fit(x, y, epochs=100, batch_size=1.0)"}),
        "whole numbers",
        "정수로 쓰세요",
    ),
    "nb_epoch": (
        Answer(4, {"train_model": "return model.fit(x, y, nb_epoch=100, batch_size=1)"}),
        "`nb_epoch` is `epochs` now",
        "이제 `epochs`입니다",
    ),
    "not_compiled": (
        Answer(
            4,
            {
                "train_model": "model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])\n"
                "return model.fit(x, y, epochs=100, batch_size=1)"
            },
            KERAS,
        ),
        "compile the model first",
        "먼저 compile하세요",
    ),
    "python_list": (
        Answer(5, {**solution_answer(5).bodies, "predict": "return model.predict([11, 12, 13])"}),
        "does not take Python lists",
        "파이썬 리스트를 받지 않습니다",
    ),
    "predict_classes": (
        Answer(5, {**solution_answer(5).bodies, "predict": "return model.predict_classes(x_new)"}),
        "no `predict_classes`",
        "`predict_classes`가 없습니다",
    ),
}
NUMPY_DELETED = "def make_data():\n    x = np.arange(1, 11)\n    return x, x.copy()\n"


def test_every_cause_is_made_to_happen_here():
    assert set(HABITS) | {"numpy_not_imported"} == {cause.name for cause in CAUSES}


@pytest.mark.parametrize("name", sorted(HABITS))
def test_a_keras2_habit_gets_its_causes_advice_once(grade_step, name):
    answer, english, korean = HABITS[name]
    report = grade_step(answer)
    crosses = [v for v in report.verdicts if v.mark == "✗"]
    assert len(crosses) == 1, [(v.check.id, v.message("en")) for v in report.verdicts if not v.passed]
    (cross,) = crosses
    assert english in cross.message("en") and korean in cross.message("ko"), cross.message("en")
    assert cross.hint != run_yourself(answer.step)
    cause = next(c for c in CAUSES if c.name == name)  # the site's table shows the real error
    assert (cause.step, f"{cause.error}: {cause.sample}") == (
        answer.step,
        cross.found["en"].split("): ", 1)[1],
    )


def test_a_deleted_import_is_named(grade_step):
    report = grade_step(NUMPY_DELETED, step=1)
    (cross,) = [v for v in report.verdicts if v.mark == "✗"]
    assert "`import numpy as np`" in cross.message("en") and "`import numpy as np`" in cross.message("ko")


def test_an_error_of_no_known_cause_keeps_the_generic_tip(grade_step):
    report = grade_step(Answer(4, {"train_model": "raise RuntimeError('something else')"}))
    (cross,) = [v for v in report.verdicts if v.mark == "✗"]
    assert cross.hint == run_yourself(4) and "RuntimeError: something else" in cross.message("en")
    # The tip names the step's real file and the command the set-up page gives, not a placeholder.
    assert "`.venv/bin/python exercises/step4_train.py`" in cross.message("en")
    assert "`.venv/bin/python exercises/step4_train.py`" in cross.message("ko")


def test_a_cause_needs_its_error_type_and_its_message():
    message = "Cannot convert '1' to a shape."
    assert diagnose({"type": "ValueError", "message": message}).name == "shape_not_tuple"
    assert diagnose({"type": "TypeError", "message": message}) is None
    assert diagnose({"type": "ValueError", "message": "Cannot convert it"}) is None
    assert advice({}) is None
    assert "shape=(3,)" in advice({"type": "ValueError", "message": "Cannot convert '3' to a shape"})["en"]


def test_a_notebook_learner_is_told_to_fix_the_answer_cell_not_to_run_a_file():
    check = next(c for c in all_checks() if c.step == 4)
    verdict = Verdict(check, False, found("RuntimeError: something else"), run_yourself(4))
    message = kernel.failure_message(verdict)  # the nbgrader notebook's test cell
    assert ".venv/bin/python" not in message and "answer cell" in message and "답 셀" in message


def test_a_graded_notebooks_feedback_speaks_of_answer_cells():
    check = next(c for c in all_checks() if c.step == 4)
    outcome = Outcome(step=4, status="ok")
    report = StepReport(STEP_BY_NUMBER[4], outcome, [Verdict(check, False, found("x"), run_yourself(4))])
    (verdict,) = for_notebook(report).verdicts  # what `grade` writes for a notebook's submission
    assert verdict.hint == NOTEBOOK_ERROR_HINT and report.verdicts[0].hint == run_yourself(4)
