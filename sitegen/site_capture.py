"""Real runs whose output the course site shows, so no figure or console text is typed by hand.

- `reference_run`: the solutions' own `__main__` blocks, the seeded reference fit the figures are
  drawn from, and the tutorial's Keras 2 code run under Keras 3 (what warns, what breaks). It imports
  TensorFlow, so it runs in a child: `python -m sitegen.site_capture reference SEED`.
- `learner_runs`: what `keras-course check` prints for the untouched stubs, the solutions and a few
  common mistakes, through the real runner (child processes) and the public checks; and how long a
  learner waits for a cold `keras-course check` (the home page's times).

Both are slow; `python -m sitegen.build` reruns them only when a file they depend on changes
(sitegen/recordings.py keeps the fingerprints).

Over 400 lines: the two recordings, the common mistakes they show and the child that runs them; build
tooling for docs/, which a learner never installs.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.core import spec
from autograder.core.steps import STEP_BY_NUMBER, STEPS

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
TUTORIAL = ROOT / "docs" / "_snippets" / "keras2_tutorial.py"
# The grader's own TensorFlow settings (autograder.sandbox.child.contract.environment): same numbers, no C++ log lines.
QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "CUDA_VISIBLE_DEVICES": ""}
CONSOLE_WIDTH = 80

# --- console text --------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def clean_console(text: str) -> list[str]:
    """What a terminal finally shows: colours dropped, each progress bar at its last redraw."""
    lines = []
    for line in _ANSI.sub("", text).split("\n"):
        lines.append(line.rsplit("\r", 1)[-1].replace("\b", "").rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def shorten_epochs(lines: list[str], head: int = 3, tail: int = 2) -> list[str]:
    """Keep the first and last epochs of a `fit` log; the 95 in between look the same."""
    starts = [i for i, line in enumerate(lines) if re.match(r"Epoch \d+/\d+$", line)]
    if len(starts) <= head + tail:
        return lines
    cut, resume = starts[head], starts[-tail]
    return [*lines[:cut], "…", *lines[resume:]]


def relative_warning(w: warnings.WarningMessage) -> str:
    """A warning as Python prints it, with the install-specific path cut to the package."""
    filename = re.sub(r"^.*/site-packages/", "…/site-packages/", w.filename)
    return f"{filename}:{w.lineno}: {w.category.__name__}: {w.message}"


@contextlib.contextmanager
def captured() -> Iterator[dict[str, Any]]:
    """Collect stdout and warnings of the code run inside (Keras writes its progress bars to stdout)."""
    out: dict[str, Any] = {}
    buffer = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(buffer):
        warnings.simplefilter("always")
        yield out
    out["stdout"] = shorten_epochs(clean_console(buffer.getvalue()))
    out["warnings"] = [relative_warning(w) for w in caught]


# --- the reference run (child process, TensorFlow) ------------------------------------------------


def _fresh(seed: int) -> None:
    """Start as a new `python` process would: layer names from `dense`, weights from `seed`."""
    import keras

    keras.backend.clear_session()
    keras.utils.set_random_seed(int(seed))


def run_mains(seed: int) -> dict[str, Any]:
    """Output of `python solutions/stepN_*.py` (the learner's `python exercises/...` once solved)."""
    sys.path.insert(0, str(SOLUTIONS))  # the __main__ blocks import the earlier steps
    mains = {}
    for step in STEPS:
        _fresh(seed)
        with captured() as out:
            runpy.run_path(str(SOLUTIONS / step.filename), run_name="__main__")
        mains[str(step.number)] = out
    return mains


def _summary(model: Any) -> list[str]:
    lines: list[str] = []
    model.summary(print_fn=lambda text, line_break=True: lines.append(text))
    return clean_console("\n".join(lines))


def _solution(step: int) -> dict[str, Any]:
    return runpy.run_path(str(SOLUTIONS / STEP_BY_NUMBER[step].filename))


def model_facts(seed: int) -> dict[str, Any]:
    """The parameter table and summary of a freshly built (uncompiled) model."""
    _fresh(seed)
    model = _solution(2)["build_model"]()
    layers = [
        {"name": layer.name, "units": layer.units, "output_shape": list(layer.output.shape)}
        | {"params": int(layer.count_params())}
        for layer in model.layers
    ]
    facts = {"layers": layers, "count_params": int(model.count_params()), "summary": _summary(model)}
    # The same layers with no input: Keras cannot build them, so summary() has no shapes or counts.
    import keras

    _fresh(seed)
    facts["summary_without_input"] = _summary(keras.Sequential([keras.layers.Dense(u) for u in spec.UNITS]))
    return facts


def training_run(seed: int) -> dict[str, Any]:
    """The grader's step 4 reference model trained by the solution, then step 5 on the result."""
    import numpy as np

    from autograder.core import reference

    _fresh(seed)
    model = reference.compiled_model(seed)
    x, y = reference.data()
    initial_loss = spec.mse(reference.weights(model), x, y)
    with captured() as fit:
        history = _solution(4)["train_model"](model, x, y)
    step5 = _solution(5)
    with captured() as evaluation:
        loss, mse = step5["evaluate_model"](model, x, y)
        prediction = step5["predict"](model, spec.X_NEW)
    return {
        "seed": seed,
        "initial_loss": initial_loss,
        "loss_curve": [float(v) for v in history.history["loss"]],
        "params": {k: v for k, v in history.params.items() if k in ("epochs", "steps")},
        "weights": [w.tolist() for w in reference.weights(model)],
        "fit_log": fit["stdout"],
        "evaluate": {"loss": loss, "mse": mse, "log": evaluation["stdout"]},
        "prediction": [float(v) for v in prediction.ravel()],
        "summary_after_fit": _summary(model),
        "count_params_after_fit": int(model.count_params()),
        "optimizer_variables": [[v.path, int(np.prod(v.shape))] for v in model.optimizer.variables],
        "metrics_names": list(model.metrics_names),
        "compile_config": {
            k: str(v) for k, v in model.get_compile_config().items() if k in ("loss", "metrics")
        },
    }


def _tutorial_sections() -> dict[str, str]:
    text = TUTORIAL.read_text(encoding="utf-8")
    found = re.findall(r"# --8<-- \[start:(\w+)\]\n(.*?)# --8<-- \[end:\1\]", text, re.S)
    return dict(found)


def _error_text(run: Any) -> dict[str, Any]:
    try:
        result = run()
    except Exception as exc:
        lines = [line.strip() for line in clean_console(str(exc)) if line.strip()]
        return {"raised": type(exc).__name__, "lines": lines}
    return {"raised": None, "shape": list(getattr(result, "shape", []))}


def keras2_run(seed: int) -> dict[str, Any]:
    """The tutorial's code, verbatim, section by section under Keras 3, then the traps it leaves."""
    import keras
    import numpy as np

    _fresh(seed)
    namespace: dict[str, Any] = {}
    sections = {}
    for name, code in _tutorial_sections().items():
        with captured() as out:
            exec(compile(code, f"tutorial:{name}", "exec"), namespace)
        sections[name] = out
    model, x = namespace["model"], namespace["x"]
    column = np.asarray(x).reshape(-1, 1)
    return {
        "sections": sections,
        "predict_1d_shape": list(namespace["y_prd"].shape),
        "then_predict_2d": _error_text(lambda: model.predict(column, verbose=0)),
        "then_evaluate_2d": _error_text(lambda: model.evaluate(column, x, verbose=0)),
        "then_call_2d": _error_text(lambda: model(column)),
        "keras_models_is_keras": keras.models.Sequential is keras.Sequential,
        "metrics_names": list(model.metrics_names),
    }


# What a learner may set before running their file, and what `import keras` then prints to stderr.
LOG_SETTINGS = {
    "default": {},
    "min_log_level": {"TF_CPP_MIN_LOG_LEVEL": "3"},
    "quiet": {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"},
}


def tensorflow_log() -> dict[str, list[str]]:
    """The log lines TensorFlow prints at import under each setting (learners see them, the checker not)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "CUDA_"))}
    logs = {}
    for name, settings in LOG_SETTINGS.items():
        done = subprocess.run(
            [sys.executable, "-c", "import keras"],
            env=clean | settings,
            capture_output=True,
            text=True,
            check=True,
        )
        logs[name] = clean_console(done.stderr)
    return logs


def reference_run(seed: int) -> dict[str, Any]:
    import keras
    import tensorflow as tf

    return {
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
        "mains": run_mains(seed),
        "model": model_facts(seed),
        "training": training_run(seed),
        "keras2": keras2_run(seed),
        "tensorflow_log": tensorflow_log(),
    }


def reference_in_child(seed: int) -> dict[str, Any]:
    """Run `reference_run` in a fresh interpreter (the build process never imports TensorFlow)."""
    env = os.environ | QUIET_TF | {"PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory(prefix="keras-course-site-") as tmp:
        out = Path(tmp, "reference.json")
        command = [sys.executable, "-m", "sitegen.site_capture", "reference", str(seed), str(out)]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"reference run failed:\n{done.stderr[-3000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


# --- what learners read from `keras-course check` -------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    step: int
    id: str
    title: dict[str, str]  # what went wrong, in the learner's words
    bodies: dict[str, str]  # function -> the wrong body, as the learner would type it


def _mistake(step: int, id: str, ko: str, en: str, **bodies: str) -> Mistake:
    return Mistake(step, id, {"ko": ko, "en": en}, bodies)


MISTAKES = (
    _mistake(
        1,
        "lists",
        "numpy 배열 대신 파이썬 리스트를 돌려줌",
        "returning Python lists instead of numpy arrays",
        make_data="return [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]",
    ),
    _mistake(
        1,
        "from_zero",
        "np.arange(10)으로 0부터 9까지 만듦",
        "np.arange(10), which gives 0 to 9",
        make_data="x = np.arange(10)\ny = np.arange(10)\nreturn x, y",
    ),
    _mistake(
        2,
        "no_input",
        "입력(keras.Input)을 빼먹음",
        "leaving out the input (keras.Input)",
        build_model="model = Sequential()\nmodel.add(Dense(5))\nmodel.add(Dense(3))\nmodel.add(Dense(1))\nreturn model",
    ),
    _mistake(
        2,
        "swapped",
        "Dense(3)과 Dense(5)의 순서를 바꿈",
        "Dense(3) and Dense(5) in the wrong order",
        build_model="model = Sequential()\nmodel.add(keras.Input(shape=(1,)))\n"
        "model.add(Dense(3))\nmodel.add(Dense(5))\nmodel.add(Dense(1))\nreturn model",
    ),
    _mistake(
        3,
        "sgd",
        "옵티마이저를 'sgd'로 줌",
        "optimizer 'sgd' instead of 'adam'",
        compile_model="model.compile(loss='mse', optimizer='sgd', metrics=['mse'])\nreturn model",
    ),
    _mistake(
        3,
        "no_return",
        "`return model`을 빼먹음",
        "forgetting `return model`",
        compile_model="model.compile(loss='mse', optimizer='adam', metrics=['mse'])",
    ),
    _mistake(
        4,
        "default_batch",
        "batch_size를 빼먹음 (기본값 32)",
        "leaving out batch_size (the default is 32)",
        train_model=f"history = model.fit(x, y, epochs={spec.EPOCHS})\nreturn history",
    ),
    _mistake(
        4,
        "no_return",
        "fit의 결과(History)를 돌려주지 않음",
        "not returning what fit gives back (the History)",
        train_model=spec.FIT_CALL,
    ),
    _mistake(
        5,
        "flat_predictions",
        "예측을 .ravel()로 1차원으로 폄",
        "flattening the predictions with .ravel()",
        predict="x_new = np.asarray(x_new).reshape(-1, 1)\nreturn model.predict(x_new).ravel()",
    ),
    _mistake(
        5,
        "evaluate_dict",
        "evaluate의 결과를 딕셔너리로 돌려줌",
        "returning evaluate's result as a dict",
        evaluate_model="return model.evaluate(x, y, batch_size=1, return_dict=True)",
    ),
)


def with_body(source: str, function: str, body: str) -> str:
    """`source` with the solution region of `function` replaced by `body` (indented like it)."""
    pattern = re.compile(
        rf"(def {function}\(.*?\n)(?P<indent>[ ]+)### BEGIN SOLUTION\n.*?### END SOLUTION\n", re.S
    )
    match = pattern.search(source)
    if match is None:
        raise ValueError(f"no solution region for {function}")
    indented = "".join(f"{match['indent']}{line}\n" for line in body.splitlines())
    return source[: match.start()] + match[1] + indented + source[match.end() :]


def mistake_file(mistake: Mistake) -> str:
    source = (SOLUTIONS / STEP_BY_NUMBER[mistake.step].filename).read_text(encoding="utf-8")
    for function, body in mistake.bodies.items():
        source = with_body(source, function, body)
    return source


def _render(reports: list[Any], lang: str) -> list[str]:
    from rich.console import Console

    from autograder.checks.report import render

    buffer = io.StringIO()
    console = Console(file=buffer, width=CONSOLE_WIDTH, color_system=None, force_terminal=False)
    render(reports, lang, console)
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def _check_round(folder: Path, steps: tuple, zygote: Any) -> dict[str, Any]:
    from autograder.checks.registry import all_checks
    from autograder.checks.report import assess
    from autograder.sandbox.runner import run_steps

    reports = assess(run_steps(folder, steps, zygote=zygote), all_checks(include_hidden=False))
    texts = {"all": {lang: _render(reports, lang) for lang in ("ko", "en")}}
    return texts | {
        str(r.step.number): {
            "status": r.outcome.status,
            "score": r.score,
            "max": r.max,
            "failed": [v.check.id for v in r.verdicts if not v.passed],
            "text": {lang: _render([r], lang) for lang in ("ko", "en")},
        }
        for r in reports
    }


def _mistake_rounds() -> list[list[Mistake]]:
    """The mistakes grouped so that each group has at most one per step (one folder each)."""
    rounds: list[list[Mistake]] = []
    for step in STEPS:
        for index, mistake in enumerate(m for m in MISTAKES if m.step == step.number):
            if len(rounds) <= index:
                rounds.append([])
            rounds[index].append(mistake)
    return rounds


def learner_runs() -> dict[str, Any]:
    from autograder.sandbox.runner import start_runner

    with tempfile.TemporaryDirectory(prefix="keras-course-site-") as tmp, start_runner() as zygote:
        stubs, solutions = (
            shutil.copytree(EXERCISES, Path(tmp, "stubs")),
            shutil.copytree(SOLUTIONS, Path(tmp, "solutions")),
        )
        result = {
            "stub": _check_round(stubs, STEPS, zygote),
            "solution": _check_round(solutions, STEPS, zygote),
        }
        result["mistakes"] = {}
        for index, chosen in enumerate(_mistake_rounds()):
            folder = Path(tmp, f"mistakes{index}")
            folder.mkdir()
            for mistake in chosen:
                (folder / STEP_BY_NUMBER[mistake.step].filename).write_text(
                    mistake_file(mistake), encoding="utf-8"
                )
            checked = _check_round(folder, tuple(STEP_BY_NUMBER[m.step] for m in chosen), zygote)
            for mistake in chosen:
                result["mistakes"][f"{mistake.step}.{mistake.id}"] = checked[str(mistake.step)]
    return result | {"timings": check_timings()}


def median_seconds(runs: int, action: Callable[[], object]) -> float:
    """The median wall-clock time of `runs` runs of `action`, to a tenth of a second."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return round(sorted(seconds)[len(seconds) // 2], 1)


def start_tensorflow_runner() -> None:
    """What `watch` waits for once before it checks steps 2-5: its TensorFlow fork server, started as
    `watch` starts it (autograder.sandbox.runner.start_runner: the sandbox where the machine has it)."""
    from autograder.core.steps import STEPS
    from autograder.sandbox.runner import start_runner

    start_runner(steps=STEPS).close()


def check_timings(runs: int = 3) -> dict[str, Any]:
    """Seconds a learner waits, as a median of `runs`: for `keras-course check` on the solutions, as
    typed in a terminal (a new process each time), all five steps and `--step 1` (no TensorFlow), all
    five again while other processes keep every core busy (benchmarks/under_load.py's burners); and for
    `watch`'s TensorFlow to get ready."""
    from benchmarks.under_load import burn

    with tempfile.TemporaryDirectory(prefix="keras-course-time-") as tmp:
        folder = str(shutil.copytree(SOLUTIONS, Path(tmp, "solutions")))
        command = [str(Path(sys.executable).with_name("keras-course")), "check", folder]

        def check(*options: str) -> Callable[[], object]:
            return lambda: subprocess.run([*command, *options], check=True, capture_output=True)

        timings = {
            "cores": os.cpu_count(),
            "all_steps": median_seconds(runs, check()),
            "step1": median_seconds(runs, check("--step", "1")),
            "tensorflow_ready": median_seconds(runs, start_tensorflow_runner),
        }
        burners = [multiprocessing.Process(target=burn, daemon=True) for _ in range(os.cpu_count() or 1)]
        for burner in burners:
            burner.start()
        try:
            timings["all_steps_busy"] = median_seconds(runs, check())
        finally:
            for burner in burners:
                burner.kill()
        return timings


def main(argv: list[str]) -> None:
    """`reference SEED OUT`: write the reference run as JSON to OUT (stdout is Keras's to print on)."""
    if len(argv) != 3 or argv[0] != "reference":
        sys.exit("usage: python -m sitegen.site_capture reference SEED OUT.json")
    payload = reference_run(int(argv[1]))
    Path(argv[2]).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
