"""Seeded experiments whose results the step pages show: what more epochs do, what the "Try more"
boxes print, and when Keras 3 refuses an input of another rank.

- `convergence`: the course's own run (grader seed, Adam at its default rate, batch size 1) kept going
  to 600 epochs, with the learned line W, B, the loss and the predictions after epochs 100, 300, 600.
- `try_files`: each learner-runnable file of docs/_snippets/try/ run as `python exercises/NAME.py`
  would run it (the solutions stand in for the learner's step files), its printed lines recorded.
- `rank_trap`: `fit`, `evaluate`, `predict` called twice on a fresh model with inputs of shape (10,)
  and (10, 1), in both orders; and the installed Keras code that turns (n,) into (n, 1).

It imports TensorFlow, so it runs in a child: `python -m sitegen.site_experiments SEED OUT.json`.
"""

from __future__ import annotations

import inspect
import json
import os
import runpy
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from autograder.core import spec
from sitegen.site_capture import QUIET_TF, SOLUTIONS, _fresh, captured, clean_console

ROOT = Path(__file__).resolve().parent.parent
TRY_DIR = ROOT / "docs" / "_snippets" / "try"
SNAPSHOTS = (spec.EPOCHS, 300, 600)  # the course's own run first, then the same run trained longer
METHODS = ("fit", "evaluate", "predict")


def try_files() -> list[Path]:
    return sorted(TRY_DIR.glob("*.py"))


def learned_line(weights: list[Any]) -> dict[str, float]:
    """The straight line y = W x + B that a stack of linear Dense layers computes (in float64):
    B is the output at x = 0, W how much the output grows when x grows by 1."""
    at_0, at_1 = spec.forward(weights, [0.0, 1.0]).ravel()
    return {"W": float(at_1 - at_0), "B": float(at_0)}


def convergence(seed: int, snapshots: tuple[int, ...] = SNAPSHOTS) -> list[dict[str, Any]]:
    """One seeded run of the course's recipe for max(snapshots) epochs, looked at after each snapshot.

    The first spec.EPOCHS epochs are the course's own run (the same seed, model, data and fit call), so its
    first row is what step 5 evaluates: a fit stopped early, not a line that misses the data.
    """
    import keras
    import numpy as np

    from autograder.core import reference

    rows: list[dict[str, Any]] = []

    class Snapshot(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            if epoch + 1 in snapshots:
                weights = [np.array(w) for w in self.model.get_weights()]
                rows.append(
                    {
                        "epochs": epoch + 1,
                        **learned_line(weights),
                        "loss": spec.mse(weights, spec.DATA, spec.DATA),
                        "prediction": [float(v) for v in spec.forward(weights, spec.X_NEW).ravel()],
                    }
                )

    _fresh(seed)
    model = reference.compiled_model(seed)
    x, y = reference.data()
    model.fit(x, y, epochs=max(snapshots), batch_size=spec.BATCH_SIZE, verbose=0, callbacks=[Snapshot()])
    return rows


def run_try_file(path: Path, seed: int) -> list[str]:
    """What `python exercises/NAME.py` prints for a file of docs/_snippets/try/ (beside solved steps)."""
    _fresh(seed)
    with captured() as out:
        runpy.run_path(str(path), run_name="__main__")
    return out["stdout"] + out["warnings"]


def _second_call(model: Any, method: str, inputs: Any, y: Any) -> None:
    if method == "fit":
        model.fit(inputs, y, epochs=1, verbose=0)
    elif method == "evaluate":
        model.evaluate(inputs, y, verbose=0)
    else:
        model.predict(inputs, verbose=0)


def rank_trap(seed: int) -> dict[str, Any]:
    """Each method called on a fresh model, then a method called with inputs of the other rank."""
    import numpy as np

    from autograder.core import reference

    x, y = reference.data()
    shapes = {"1d": x, "2d": x.reshape(-1, 1)}
    calls = []
    for first in METHODS:
        for second in METHODS:
            for order in (("1d", "2d"), ("2d", "1d")):
                _fresh(seed)
                model = reference.compiled_model(seed)
                _second_call(model, first, shapes[order[0]], y)
                try:
                    _second_call(model, second, shapes[order[1]], y)
                    raised, message = None, ""
                except Exception as exc:  # what Keras raises is the finding
                    raised = type(exc).__name__
                    message = next((line for line in clean_console(str(exc))[1:] if line.strip()), "")
                calls.append(
                    {"first": first, "second": second, "order": list(order), "raised": raised}
                    | {"message": message}
                )
    _fresh(seed)
    model = reference.compiled_model(seed)
    return {
        "calls": calls,
        "input_shape": list(model.inputs[0].shape),
        "predict_1d_shape": list(np.shape(model.predict(x, verbose=0))),
        "expands": _expanding_code(),
    }


def _expanding_code() -> dict[str, Any]:
    """The installed Keras lines that give a (n,) input the model's (n, 1) shape, quoted from source."""
    from keras.src.models.functional import Functional

    function = Functional._adjust_input_rank
    lines, first = inspect.getsourcelines(function)
    start = next(i for i, line in enumerate(lines) if "x_rank == ref_rank - 1" in line)
    quoted = [line.rstrip("\n") for line in lines[start : start + 4]]
    width = min(len(line) - len(line.lstrip()) for line in quoted)
    path = Path(inspect.getsourcefile(function) or "").as_posix()
    return {
        "function": f"{function.__module__}.{function.__qualname__}",
        "file": path[path.index("keras/src/") :],
        "line": first + start,
        "lines": [line[width:] for line in quoted],
    }


def experiments(seed: int) -> dict[str, Any]:
    import keras
    import tensorflow as tf

    sys.path.insert(0, str(SOLUTIONS))  # the try files import the step files, as the learner's do
    return {
        "seed": seed,
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
        "adam_learning_rate": float(keras.optimizers.Adam().get_config()["learning_rate"]),
        "convergence": convergence(seed),
        "try": {path.stem: run_try_file(path, seed) for path in try_files()},
        "rank_trap": rank_trap(seed),
    }


def experiments_in_child(seed: int) -> dict[str, Any]:
    """Run `experiments` in a fresh interpreter (the build process never imports TensorFlow)."""
    env = os.environ | QUIET_TF | {"PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory(prefix="keras-course-experiments-") as tmp:
        out = Path(tmp, "experiments.json")
        command = [sys.executable, "-m", "sitegen.site_experiments", str(seed), str(out)]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"experiments failed:\n{done.stderr[-3000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        sys.exit("usage: python -m sitegen.site_experiments SEED OUT.json")
    Path(argv[1]).write_text(json.dumps(experiments(int(argv[0])), ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
