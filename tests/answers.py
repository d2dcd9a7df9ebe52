"""Learner answers for the tests: the reference, the tutorial's own code, and known-wrong mutants.

An answer is what a learner types into the generated stubs: a body for each function (and, for a
few attacks, code at the top of the file). `fill` puts it into the stub exactly where the learner
would, so the tests exercise the same files learners get.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from autograder.authoring.stubs import fill_stub, stub_file
from autograder.core.steps import STEP_BY_NUMBER, STEPS

STUB = "# YOUR CODE HERE\n{indent}raise NotImplementedError()"


@dataclass(frozen=True)
class Answer:
    step: int
    bodies: dict[str, str]
    prelude: str = ""  # module-level code put after the stub's imports
    fails: frozenset[str] = field(default_factory=frozenset)  # check ids expected to fail


def fill(step: int, bodies: dict[str, str], prelude: str = "") -> str:
    """The stub file of `step` filled in as a learner would (prelude: module code before the functions)."""
    source = fill_stub(stub_file(STEP_BY_NUMBER[step].module), bodies)
    if prelude:
        first_def = source.index("\ndef ")
        source = source[:first_def] + "\n" + textwrap.dedent(prelude) + source[first_def:]
    return source


def write_submission(folder: Path, answers: dict[int, Answer | str | None]) -> Path:
    """A folder of five step files: an Answer fills the stub, a str is the file, None leaves the stub."""
    folder.mkdir(parents=True, exist_ok=True)
    for step in STEPS:
        answer = answers.get(step.number)
        if isinstance(answer, Answer):
            text = fill(step.number, answer.bodies, answer.prelude)
        elif isinstance(answer, str):
            text = answer
        else:
            text = stub_file(step.module)
        (folder / step.filename).write_text(text, encoding="utf-8")
    return folder


def wrong(step: int, fails: set[str], prelude: str = "", **bodies: str) -> Answer:
    return Answer(step, bodies, prelude, frozenset(fails))


# The tutorial's own Keras 2 code, verbatim, put into the five functions.
TUTORIAL = {
    1: Answer(
        1,
        {
            "make_data": """
                x = np.array([1,2,3,4,5,6,7,8,9,10])
                y = np.array([1,2,3,4,5,6,7,8,9,10])

                print(x.shape)
                print(y.shape)
                return x, y
            """
        },
    ),
    2: Answer(
        2,
        {
            "build_model": """
                from keras.models import Sequential
                from keras.layers import Dense

                model = Sequential()

                model.add(Dense(5, input_dim = 1))
                model.add(Dense(3))
                model.add(Dense(1))

                model.summary()
                return model
            """
        },
    ),
    3: Answer(
        3, {"compile_model": "model.compile(loss='mse', optimizer='adam', metrics=['mse'])\nreturn model"}
    ),
    4: Answer(4, {"train_model": "return model.fit(x, y, epochs=100, batch_size=1)"}),
    5: Answer(
        5,
        {
            "evaluate_model": """
                loss, mse = model.evaluate(x, y, batch_size=1)
                print('loss: ', loss)
                print('mse : ', mse)
                return loss, mse
            """,
            "predict": """
                x_prd = x_new
                y_prd = model.predict(x_prd)

                print(y_prd)
                return y_prd
            """,
        },
    ),
}

# Other correct ways to write a step: each must get full marks.
ALTERNATIVES = {
    # tempfile in a step: the fork server must not hand the step a temp folder it found before the
    # step's own /tmp existed (model.save and keras' own caches use tempfile too).
    "step1_through_a_temp_file": Answer(
        1,
        {
            "make_data": """
                import os
                import tempfile

                with tempfile.TemporaryDirectory() as folder:
                    np.save(os.path.join(folder, "x.npy"), np.arange(1, 11))
                    x = np.load(os.path.join(folder, "x.npy"))
                return x, x.copy()
            """
        },
    ),
    "step2_list_tf_keras": Answer(
        2,
        {
            "build_model": """
                import tensorflow as tf
                return tf.keras.Sequential([
                    tf.keras.layers.Input(shape=(1,)),
                    tf.keras.layers.Dense(5, activation="linear"),
                    tf.keras.layers.Dense(3),
                    tf.keras.layers.Dense(1),
                ])
            """
        },
    ),
    "step3_objects": Answer(
        3,
        {
            "compile_model": """
                model.compile(
                    loss=keras.losses.MeanSquaredError(),
                    optimizer=keras.optimizers.Adam(),
                    metrics=[keras.metrics.MeanSquaredError()],
                )
                return model
            """
        },
        prelude="import keras\n",
    ),
    "step3_long_names": Answer(
        3,
        {
            "compile_model": """
                model.compile(loss='mean_squared_error', optimizer='Adam', metrics=['mean_squared_error'])
                return model
            """
        },
    ),
    "step1_arange_float": Answer(1, {"make_data": "x = np.arange(1, 11, dtype=float)\nreturn x, x.copy()"}),
    # What the instructor guide promises keeps full marks: a seed of the learner's own, verbose=0,
    # shuffle=False, tf.keras spelling, and callbacks that set the learning rate (replayed batch by batch).
    "step4_seed_quiet_callbacks": Answer(
        4,
        {
            "train_model": """
                import tensorflow as tf
                keras.utils.set_random_seed(7)
                schedule = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.002 if epoch < 50 else 0.001)
                plateau = tf.keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=5)
                return model.fit(x, y, epochs=100, batch_size=1, verbose=0, shuffle=False, callbacks=[schedule, plateau])
            """
        },
        prelude="import keras\n",
    ),
}

MUTANTS = {
    # step 1
    "step1_lists": wrong(
        1, {"step1.arrays"}, make_data="return [1,2,3,4,5,6,7,8,9,10], [1,2,3,4,5,6,7,8,9,10]"
    ),
    "step1_from_zero": wrong(
        1, {"step1.x_values", "step1.y_equals_x"}, make_data="x = np.arange(10)\nreturn x, x"
    ),
    "step1_nine_values": wrong(
        1,
        {"step1.shape", "step1.x_values", "step1.y_equals_x"},
        make_data="x = np.arange(1, 10)\nreturn x, x",
    ),
    "step1_y_doubled": wrong(1, {"step1.y_equals_x"}, make_data="x = np.arange(1, 11)\nreturn x, 2 * x"),
    "step1_returns_x_only": wrong(
        1,
        {"step1.arrays", "step1.shape", "step1.x_values", "step1.y_equals_x"},
        make_data="return np.arange(1, 11)",
    ),
    # step 2
    "step2_swapped_5_3": wrong(
        2,
        {"step2.dense_units", "step2.layer_params"},
        build_model="""
            model = Sequential()
            model.add(keras.Input(shape=(1,)))
            model.add(Dense(3))
            model.add(Dense(5))
            model.add(Dense(1))
            return model
        """,
    ),
    "step2_no_input": wrong(
        2,
        {"step2.input_shape", "step2.output_shape", "step2.total_params", "step2.layer_params"},
        build_model="""
            model = Sequential()
            model.add(Dense(5))
            model.add(Dense(3))
            model.add(Dense(1))
            return model
        """,
    ),
    "step2_relu": wrong(
        2,
        {"step2.linear"},
        build_model="""
            return Sequential([keras.Input(shape=(1,)), Dense(5, activation='relu'),
                               Dense(3, activation='relu'), Dense(1)])
        """,
    ),
    "step2_two_inputs": wrong(
        2,
        {"step2.input_shape", "step2.total_params", "step2.layer_params"},
        build_model="return Sequential([keras.Input(shape=(2,)), Dense(5), Dense(3), Dense(1)])",
    ),
    "step2_missing_last_layer": wrong(
        2,
        {"step2.dense_units", "step2.output_shape", "step2.total_params", "step2.layer_params"},
        build_model="return Sequential([keras.Input(shape=(1,)), Dense(5), Dense(3)])",
    ),
    "step2_syntax_error": wrong(
        2,
        {
            "step2.sequential",
            "step2.input_shape",
            "step2.dense_units",
            "step2.output_shape",
            "step2.total_params",
            "step2.layer_params",
            "step2.linear",
        },
        build_model="model = Sequential(\nmodel.add(Dense(5))\nreturn model",
    ),
    # step 3
    "step3_mae": wrong(
        3,
        {"step3.loss"},
        compile_model="model.compile(loss='mae', optimizer='adam', metrics=['mse'])\nreturn model",
    ),
    "step3_sgd": wrong(
        3,
        {"step3.optimizer"},
        compile_model="model.compile(loss='mse', optimizer='sgd', metrics=['mse'])\nreturn model",
    ),
    "step3_no_metrics": wrong(
        3, {"step3.metrics"}, compile_model="model.compile(loss='mse', optimizer='adam')\nreturn model"
    ),
    "step3_no_return": wrong(
        3,
        {"step3.returns_model"},
        compile_model="model.compile(loss='mse', optimizer='adam', metrics=['mse'])",
    ),
    # step 4
    "step4_epochs_10": wrong(
        4,
        {"step4.epochs", "step4.optimizer_steps", "step4.final_loss"},
        train_model="return model.fit(x, y, epochs=10, batch_size=1)",
    ),
    "step4_default_batch": wrong(
        4,
        {"step4.batch_size", "step4.optimizer_steps", "step4.final_loss"},
        train_model="return model.fit(x, y, epochs=100)",
    ),
    "step4_sgd_nan": wrong(
        4,
        {"step4.loss_decreases", "step4.final_loss"},
        train_model="""
            model.compile(loss='mse', optimizer='sgd', metrics=['mse'])
            return model.fit(x, y, epochs=100, batch_size=1)
        """,
    ),
    "step4_wrong_target": wrong(
        4, {"step4.final_loss"}, train_model="return model.fit(x, 2 * y, epochs=100, batch_size=1)"
    ),
    # validation_split=0.2 trains on 8 of the 10 samples: 8 updates an epoch (both checks say why).
    "step4_validation_split": wrong(
        4,
        {"step4.batch_size", "step4.optimizer_steps"},
        train_model="return model.fit(x, y, epochs=100, batch_size=1, validation_split=0.2)",
    ),
    "step4_no_return": wrong(
        4,
        {"step4.history", "step4.epochs", "step4.batch_size", "step4.loss_decreases"},
        train_model="model.fit(x, y, epochs=100, batch_size=1)",
    ),
    "step4_fake_history": wrong(
        4,
        {
            "step4.history",
            "step4.epochs",
            "step4.batch_size",
            "step4.optimizer_steps",
            "step4.loss_decreases",
            "step4.final_loss",
        },
        prelude="import keras\n",
        train_model="""
            history = keras.callbacks.History()
            history.set_model(model)
            history.params = {"epochs": 100, "steps": 10}
            history.history = {"loss": [100.0 / (i + 1) for i in range(100)]}
            return history
        """,
    ),
    # step 5
    "step5_predict_returns_input": wrong(
        5,
        {"step5.predict_values"},
        evaluate_model="loss, mse = model.evaluate(x, y, batch_size=1)\nreturn float(loss), float(mse)",
        predict="return np.asarray(x_new, dtype=float).reshape(-1, 1)",
    ),
    "step5_flat_predictions": wrong(
        5,
        {"step5.predict_shape"},
        evaluate_model="loss, mse = model.evaluate(x, y, batch_size=1)\nreturn float(loss), float(mse)",
        predict="return model.predict(np.asarray(x_new).reshape(-1, 1)).ravel()",
    ),
    "step5_evaluate_wrong_data": wrong(
        5,
        {"step5.evaluate_values"},
        evaluate_model="loss, mse = model.evaluate(x, y + 1, batch_size=1)\nreturn float(loss), float(mse)",
        predict="return model.predict(np.asarray(x_new).reshape(-1, 1))",
    ),
    "step5_evaluate_dict": wrong(
        5,
        {"step5.evaluate_pair", "step5.evaluate_values"},
        evaluate_model="return model.evaluate(x, y, batch_size=1, return_dict=True)",
        predict="return model.predict(np.asarray(x_new).reshape(-1, 1))",
    ),
}

# Failures of the whole step (all its checks fail) with the status the runner reports.
BROKEN = {
    "step1_endless_loop": (wrong(1, set(), make_data="while True:\n    pass"), "timeout"),
    "step1_exit_at_import": (
        wrong(1, set(), prelude="import os\nos._exit(0)\n", make_data="return None"),
        "crashed",
    ),
    "step3_sys_exit_at_import": (
        wrong(3, set(), prelude="import sys\nsys.exit(0)\n", compile_model="return model"),
        "import_error",
    ),
    "step5_huge_allocation": (
        wrong(
            5,
            set(),
            evaluate_model="return np.ones(30 * 2**30 // 8), 0",
            predict="return np.ones(30 * 2**30 // 8)",
        ),
        "ok",
    ),
}


def npz_bomb(step: int) -> Answer:
    """A step that writes its own export and leaves before the harness does: 63 MiB of booleans in a
    64 KiB .npz (under the old 64 MiB cap), named like an array the grader reads. Read as float64 it
    was 504 MiB, kept while the student's outcomes were: five of them took the grader to 2.7 GB."""
    first, *others = STEP_BY_NUMBER[step].functions
    bomb = """
        import json, os, numpy
        open("result.json", "w").write(json.dumps({"status": "ok", "error": None, "calls": {}, "data": {}}))
        numpy.savez_compressed("arrays.npz", prediction=numpy.zeros(63 << 20, bool))
        os._exit(0)
    """
    return Answer(step, {first: bomb, **dict.fromkeys(others, "return None")})


NPZ_BOMBS = {step.number: npz_bomb(step.number) for step in STEPS}


# --- notebooks: the same answers typed into the nbgrader notebook's answer cells -----------------

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def solution_answer(step: int) -> Answer:
    """The reference answer of `step`: each function's `### BEGIN SOLUTION` region in solutions/."""
    source = (SOLUTIONS / STEP_BY_NUMBER[step].filename).read_text(encoding="utf-8")
    bodies = {}
    for function in STEP_BY_NUMBER[step].functions:
        region = re.search(
            rf"def {function}\(.*?### BEGIN SOLUTION\n(?P<body>.*?)\n[ ]*### END SOLUTION", source, re.S
        )
        assert region, f"no solution region in {function}"
        bodies[function] = textwrap.dedent(region["body"])
    return Answer(step, bodies)


def fill_cell(source: str, answer: Answer) -> str:
    """A released answer cell with each function's stub region replaced by the answer's body."""
    source = fill_stub(source, answer.bodies)
    return textwrap.dedent(answer.prelude) + source if answer.prelude else source


def fill_notebook(path: Path, answers: dict[int, Answer | None]) -> Path:
    """Type answers into the notebook at `path` (as released) in place; None leaves a step's stub."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        step = int(cell.id[4]) if cell.id.startswith("step") and cell.id.endswith("_answer") else None
        if step is not None and answers.get(step) is not None:
            cell.source = fill_cell(cell.source, answers[step])
    nbformat.write(nb, path)
    return path


# What learners type under an answer to try it, the usual notebook habit: each line uses what the
# answers above it returned, so a step file holding it, graded alone, would fail (NameError).
TRY_IT = {
    1: "x, y = make_data()\nprint(x, y)",
    2: "model = build_model()\nmodel.summary()",
    3: "compile_model(model)",
    4: "history = train_model(model, x, y)\nprint(history.history['loss'][-1])",
    5: "print(evaluate_model(model, x, y))\nprint(predict(model, np.array([11, 12, 13])))",
}


def add_try_it(path: Path) -> Path:
    """Append TRY_IT's lines to each answer cell of the notebook at `path`, in place."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.id.startswith("step") and cell.id.endswith("_answer"):
            cell.source = cell.source.rstrip("\n") + "\n\n\n" + TRY_IT[int(cell.id[4])] + "\n"
    nbformat.write(nb, path)
    return path
