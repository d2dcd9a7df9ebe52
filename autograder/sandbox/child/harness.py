"""Child process: run one step of a learner's file on reference inputs and export plain data.

    python -m autograder.sandbox.child.harness STEP FILE OUTDIR [replay|rebuild]

The parent (autograder.sandbox.runner) judges; this process only reports what the learner's functions
returned, as JSON and a numpy archive (no pickles). Everything this module needs after learner code
has run is captured before that code is imported, so patching builtins, numpy or keras in a
learner's module does not change what is exported.

Over 400 lines: one child's whole job (load the learner's file, call its functions, export each
step, rebuild and replay for the grader) in one module, so that all it relies on once learner code
has run is captured at its top, before any learner code is imported.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import traceback
from builtins import isinstance as _isinstance
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from autograder.core.outcome import Status
from autograder.core.steps import STEP_BY_NUMBER
from autograder.sandbox.child.contract import REPLAYED

# Captured before any learner code runs. isinstance is imported above (`from builtins import ... as
# _isinstance`, the same capture at import time) so that a type checker still narrows by it.
_type = builtins.type
_float = builtins.float
_open = builtins.open
_json_dumps = json.dumps
_savez = np.savez
_np_array = np.array
_replace = os.replace
_exit = os._exit
_NDARRAY = np.ndarray


class NotDone(Exception):
    """The learner's function still raises NotImplementedError."""


def _type_name(value: object) -> str:
    kind = _type(value)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _error(exc: BaseException, learner_file: str) -> dict[str, Any]:
    """Where a learner's code failed: the exception and its last line in the learner's file."""
    info: dict[str, Any] = {"type": _type(exc).__name__, "message": str(exc)[:500]}
    if _isinstance(exc, SyntaxError):
        info["line"], info["code"] = exc.lineno, (exc.text or "").strip()
        return info
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == learner_file:
            info["line"], info["code"] = frame.lineno, (frame.line or "").strip()
    return info


def _numeric_array(value: object) -> np.ndarray | None:
    """A plain float64 copy of value when it is numeric, else None (nothing that needs pickle)."""
    try:
        array = _np_array(value, copy=True)
    except Exception:
        return None
    if array.dtype.kind not in "biuf":
        return None
    return array.astype(np.float64)


class Export:
    """Plain data for the parent: JSON-able `data`, numeric `arrays`, per-function `calls`."""

    def __init__(self, learner_file: Path) -> None:
        self.file = str(learner_file)
        self.status = Status.OK
        self.error: dict[str, Any] | None = None
        self.calls: dict[str, dict[str, Any]] = {}
        self.data: dict[str, Any] = {}
        self.arrays: dict[str, np.ndarray] = {}
        # The learner's module, or a namespace of a notebook's functions (run_namespace).
        self.module: object = None

    def load(self) -> bool:
        """Import the learner's file; on failure record why and return False."""
        from importlib import util

        spec = util.spec_from_file_location("learner_step", self.file)
        assert spec is not None and spec.loader is not None  # a .py file (Step.filename) always has both
        module = util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            self.status, self.error = Status.SYNTAX_ERROR, _error(exc, self.file)
            return False
        except NotImplementedError as exc:
            self.status, self.error = Status.NOT_DONE, _error(exc, self.file)
            return False
        except BaseException as exc:  # noqa: BLE001 - SystemExit and friends included
            self.status, self.error = Status.IMPORT_ERROR, _error(exc, self.file)
            return False
        self.module = module
        return True

    def call(self, name: str, *args: Any) -> Any:
        """Call the learner's function `name`; record its status; raise NotDone if it did not finish."""
        function = getattr(self.module, name, None)
        if not callable(function):
            self.calls[name] = {"status": Status.MISSING_FUNCTION}
            raise NotDone
        try:
            value = function(*args)
        except NotImplementedError as exc:
            self.calls[name] = {"status": Status.NOT_DONE, "error": _error(exc, self.file)}
            raise NotDone from None
        except BaseException as exc:  # noqa: BLE001
            self.calls[name] = {"status": Status.ERROR, "error": _error(exc, self.file)}
            raise NotDone from None
        self.calls[name] = {"status": Status.OK, "returned": _type_name(value)}
        return value

    def write(self, outdir: Path) -> None:
        # numpy's stub lets a key named allow_pickle reach its bool parameter; our keys are array names.
        _savez(outdir / "arrays.tmp.npz", **self.arrays)  # type: ignore[arg-type]
        _replace(outdir / "arrays.tmp.npz", outdir / "arrays.npz")
        result = {
            "status": self.status,
            "error": self.error,
            "calls": self.calls,
            "data": self.data,
        }
        with _open(outdir / "result.tmp.json", "w", encoding="utf-8") as handle:
            handle.write(_json_dumps(result, default=str))
        _replace(outdir / "result.tmp.json", outdir / "result.json")


# --- what each step exports -------------------------------------------------------------------


def _step1(out: Export, keras: ModuleType | None, reference: ModuleType | None) -> None:
    returned = out.call("make_data")
    pair = _isinstance(returned, (tuple, list)) and len(returned) == 2
    out.data["pair"] = pair
    if not pair:
        return
    for name, value in zip("xy", returned):
        out.data[name] = {"type": _type_name(value), "is_ndarray": _isinstance(value, _NDARRAY)}
        array = _numeric_array(value)
        if array is not None:
            out.arrays[name] = array


def _describe_model(net: Any, keras: ModuleType) -> dict[str, Any]:
    info: dict[str, Any] = {
        "type": _type_name(net),
        "is_model": _isinstance(net, keras.Model),
        "is_sequential": _isinstance(net, keras.Sequential),
    }
    if not info["is_model"]:
        return info
    for key in ("input_shape", "output_shape"):
        try:
            shape = getattr(net, key)
            info[key] = [None if dim is None else int(dim) for dim in shape]
        except Exception:
            info[key] = None
    layers = []
    for layer in net.layers:
        config = layer.get_config()
        activation = config.get("activation")
        layers.append(
            {
                "type": _type_name(layer),
                "is_dense": _isinstance(layer, keras.layers.Dense),
                "units": config.get("units"),
                "activation": activation if _isinstance(activation, str) else repr(activation),
                "weight_shapes": [[int(d) for d in w.shape] for w in layer.weights],
            }
        )
    info["layers"] = layers
    return info


def _step2(out: Export, keras: ModuleType, reference: ModuleType) -> None:
    net = out.call("build_model")
    out.data["model"] = _describe_model(net, keras)
    if out.data["model"]["is_model"]:
        out.data["model_json"] = net.to_json()  # the grader rebuilds the model from this (rebuild)


def _config_name(item: object) -> str:
    """'mse', {'class_name': 'MeanSquaredError'} or a function, as one name."""
    if _isinstance(item, str):
        return item
    if _isinstance(item, dict):
        if item.get("class_name") == "function":
            return str(item.get("config"))
        return str(item.get("class_name"))
    return str(getattr(item, "__name__", _type_name(item)))


def _flat(items: object) -> list[object]:
    if items is None:
        return []
    if _isinstance(items, (list, tuple)):
        return [leaf for item in items for leaf in _flat(item)]
    return [items]


def _step3(out: Export, keras: ModuleType, reference: ModuleType) -> None:
    given = reference.model()
    returned = out.call("compile_model", given)
    out.data["returned_given_model"] = returned is given
    net = returned if _isinstance(returned, keras.Model) else given
    compiled = bool(getattr(net, "compiled", False))
    out.data["compiled"] = compiled
    if not compiled:
        return
    out.data["compile_config"] = _json_dumps(net.get_compile_config())  # the grader recompiles from it
    _describe_compiled(out, net, keras)


def _describe_compiled(out: Export, net: Any, keras: ModuleType) -> None:
    config = net.get_compile_config()
    out.data["loss"] = [_config_name(item) for item in _flat(config.get("loss"))]
    out.data["optimizer"] = _config_name(config.get("optimizer"))
    out.data["optimizer_is_adam"] = _isinstance(net.optimizer, keras.optimizers.Adam)
    out.data["metrics"] = [_config_name(item) for item in _flat(config.get("metrics"))]


def rebuild(request: dict[str, Any]) -> Export:
    """The grader's own view of a learner's step 2 or 3 (no learner code runs here): the model rebuilt
    from its Keras config, or the reference model compiled from the learner's compile config."""
    import keras

    from autograder.core import reference

    out = Export(Path("<rebuild>"))
    if request["step"] == 2:
        out.data["model"] = _describe_model(keras.models.model_from_json(request["model_json"]), keras)
    else:
        net = reference.model()
        net.compile_from_config(json.loads(request["compile_config"]))
        _describe_compiled(out, net, keras)
    return out


def _plain_number(value: Any) -> float | int | str:
    if _isinstance(value, (bool, int)):
        return int(value)
    try:
        return _float(value)
    except Exception:
        return _type_name(value)


# --- step 4: every fit of the given model is recorded, so the grader can replay it -------------

# fit's arguments a replay reproduces (contract.REPLAYED); those that cannot change the weights;
# anything else (a Dataset, class weights...) makes the training unverifiable.
HARMLESS = (
    "verbose",
    "callbacks",
    "validation_data",
    "validation_freq",
    "validation_steps",
    "validation_batch_size",
)


RATES_CAP = 10_000  # learning-rate changes recorded per fit (a schedule changes it once an epoch)


def _record_fits(net: Any, keras: ModuleType, seed: int) -> list[dict[str, Any]]:
    """Wrap `net.compile` and `net.fit` so each call is recorded in order (a compile by its config; a
    fit by its data, its settings and the learning rate of each batch) and every fit starts from the
    grader's seed: a seed the learner set elsewhere then changes nothing, and the grader's replay of
    the same calls, in a process that never ran learner code, must give the same weights bit for bit.

    The learning rate is recorded because callbacks may set it (LearningRateScheduler,
    ReduceLROnPlateau): the replay sets the same rate at the same batch instead of running the
    learner's callback. Whatever this records, only a replay that ends on the learner's very
    weights makes the training count."""
    import inspect

    real_fit, real_compile = net.fit, net.compile
    signature = inspect.signature(real_fit)
    set_seed, dumps, to_numpy = keras.utils.set_random_seed, _json_dumps, keras.ops.convert_to_numpy
    calls: list[dict[str, Any]] = []

    def compile(*args: Any, **kwargs: Any) -> Any:  # noqa: A001 - stands in for Model.compile
        result = real_compile(*args, **kwargs)
        try:
            calls.append({"kind": "compile", "config": dumps(net.get_compile_config())})
        except Exception:  # not serializable: the replay cannot reproduce it
            calls.append({"kind": "compile", "config": None})
        return result

    def fit(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        arguments = bound.arguments
        extra = sorted(k for k in arguments if k not in (*REPLAYED, *HARMLESS, "x", "y", "kwargs"))
        record: dict[str, Any] = {
            "kind": "fit",
            "settings": {k: _plain_setting(arguments[k]) for k in REPLAYED if k in arguments},
            "unsupported": extra + sorted(arguments.get("kwargs", {})),
        }
        for name in ("x", "y"):
            array = _numeric_array(arguments.get(name))
            record[name] = array
            record[f"{name}_dtype"] = str(_np_array(arguments.get(name)).dtype) if array is not None else None
        given = arguments.get("callbacks")
        if given is None or _isinstance(given, (list, tuple)):
            rates: list[list[float]] = []
            arguments["callbacks"] = [*(given or []), _rate_recorder(keras, to_numpy, rates)]
            record["learning_rates"] = rates
        calls.append(record)
        set_seed(seed)
        history = real_fit(*bound.args, **bound.kwargs)
        record["history"] = history
        is_history = _isinstance(history, keras.callbacks.History)
        record["epochs_run"] = len(getattr(history, "history", {}).get("loss", [])) if is_history else 0
        return history

    net.fit, net.compile = fit, compile
    return calls


def _rate_recorder(keras: ModuleType, to_numpy: Any, rates: list[list[float]]) -> Any:
    """A callback, last in fit's list, that records [batch, rate] each time the rate a batch trains
    with changes (batches counted across the epochs of one fit)."""

    # keras is a module passed in (imported only where a step needs it): no class a checker can see.
    class RecordRates(keras.callbacks.Callback):  # type: ignore[name-defined]
        batches = 0

        def on_train_batch_begin(self, batch: int, logs: object = None) -> None:
            rate = _float(to_numpy(self.model.optimizer.learning_rate))
            if (not rates or rates[-1][1] != rate) and len(rates) < RATES_CAP + 1:
                rates.append([self.batches, rate])
            self.batches += 1

    return RecordRates()


def _plain_setting(value: object) -> object:
    if value is None or _isinstance(value, (bool, int, float, str)):
        return value
    return _type_name(value)  # not a plain setting: the replay refuses it


def _export_fits(out: Export, calls: list[dict[str, Any]]) -> None:
    out.data["fit_calls"] = []
    for i, call in enumerate(calls[:20]):
        for name in ("x", "y"):
            if call.get(name) is not None:
                out.arrays[f"fit{i}_{name}"] = call[name]
        fields: tuple[str, ...] = (
            "kind",
            "config",
            "settings",
            "unsupported",
            "x_dtype",
            "y_dtype",
            "epochs_run",
        )
        fields += ("learning_rates",)
        out.data["fit_calls"].append({k: call[k] for k in fields if k in call})


def _export_training(out: Export, net: Any, keras: ModuleType, history: object) -> None:
    """The weights, update count and History of a trained model (the learner's, or the replay's)."""
    read = keras.Variable.numpy  # captured: a patched Variable.numpy must not fake the weights
    for i, variable in enumerate(net.weights):
        out.arrays[f"after{i}"] = _np_array(read(variable), dtype=np.float64)
    out.data["optimizer_steps"] = int(read(net.optimizer.iterations)) if net.optimizer else 0
    is_history = _isinstance(history, keras.callbacks.History)
    out.data["is_history"] = is_history
    if not is_history:
        return
    out.data["history_of_given_model"] = getattr(history, "model", None) is net
    params = getattr(history, "params", None) or {}
    out.data["params"] = {str(k): _plain_number(v) for k, v in dict(params).items()}
    losses = getattr(history, "history", None) or {}
    out.data["loss_curve"] = [_plain_number(v) for v in list(losses.get("loss", []))[:10_000]]


def _step4(out: Export, keras: ModuleType, reference: ModuleType) -> None:
    from autograder.core import spec

    net = reference.compiled_model()
    x, y = reference.data()
    calls = _record_fits(net, keras, spec.GRADER_SEED)
    try:
        returned = out.call("train_model", net, x, y)
    finally:
        _export_fits(out, calls)
    _export_training(out, net, keras, returned)
    out.data["returned_a_fit_history"] = any(returned is call.get("history") for call in calls)


def replay(request: dict[str, Any]) -> Export:
    """Train the grader's reference model with the compile and fit calls a learner's step 4 made
    (from `request`, written by the grader) and export the result the learner's export must match."""
    import keras

    from autograder.core import reference, spec

    out = Export(Path("<replay>"))
    net = reference.compiled_model()
    history = None
    for call in request["calls"]:
        if call["kind"] == "compile":
            net.compile_from_config(json.loads(call["config"]))
            continue
        x = _np_array(call["x"], dtype=call["x_dtype"])
        y = _np_array(call["y"], dtype=call["y_dtype"])
        callbacks = [_stop_after(int(call["epochs_run"]), keras)]
        if call.get("learning_rates"):
            callbacks.append(_set_rates(call["learning_rates"], keras))
        keras.utils.set_random_seed(spec.GRADER_SEED)
        history = net.fit(x, y, verbose=0, callbacks=callbacks, **call["settings"])
    _export_training(out, net, keras, history)
    return out


def _stop_after(epochs: int, keras: ModuleType) -> Any:
    """A callback that ends a replayed fit after as many epochs as the learner's fit ran."""

    class StopAfter(keras.callbacks.Callback):  # type: ignore[name-defined] # keras: a module passed in
        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            self.ran = getattr(self, "ran", 0) + 1
            if self.ran >= epochs:
                self.model.stop_training = True

    return StopAfter()


def _set_rates(rates: list[list[float]], keras: ModuleType) -> Any:
    """A callback that trains each batch with the learning rate the learner's fit recorded for it."""
    changes = {int(batch): float(rate) for batch, rate in rates}

    class SetRates(keras.callbacks.Callback):  # type: ignore[name-defined] # keras: a module passed in
        batches = 0

        def on_train_batch_begin(self, batch: int, logs: object = None) -> None:
            rate = changes.get(self.batches)
            optimizer = self.model.optimizer
            if rate is not None and float(keras.ops.convert_to_numpy(optimizer.learning_rate)) != rate:
                optimizer.learning_rate = rate
            self.batches += 1

    return SetRates()


def _step5(out: Export, keras: ModuleType, reference: ModuleType) -> None:
    from autograder.core import spec

    x, y = reference.data()
    try:
        returned = out.call("evaluate_model", reference.trained_model(), x, y)
        pair = _isinstance(returned, (tuple, list)) and len(returned) == 2
        out.data["evaluate_pair"] = pair
        if pair:
            out.data["evaluate"] = [{"type": _type_name(v), "value": _plain_number(v)} for v in returned]
    except NotDone:
        pass
    # A fresh model: whatever evaluate_model did to its model cannot change predict's check.
    returned = out.call("predict", reference.trained_model(), spec.X_NEW.copy())
    out.data["prediction_type"] = _type_name(returned)
    prediction = _numeric_array(returned)
    if prediction is not None:
        out.arrays["prediction"] = prediction


# Each step's export: (out, keras, reference) -> None; keras and reference are None where the step
# needs no TensorFlow (Step.needs_tensorflow). A step missing here raises, never runs another's.
EXPORTS: dict[int, Callable[[Export, Any, Any], None]] = {
    1: _step1,
    2: _step2,
    3: _step3,
    4: _step4,
    5: _step5,
}


def export(step: int, out: Export) -> Export:
    """Call the learner's functions of `step` (already loaded into out.module) on reference inputs."""
    exporter = EXPORTS[step]  # KeyError: a step in STEPS with no export written for it
    keras: ModuleType | None = None
    reference: ModuleType | None = None
    if STEP_BY_NUMBER[step].needs_tensorflow:  # step 1's learner file imports what it uses
        # keras has no type information: mypy takes its import for a second `keras`, not an assignment.
        import keras  # type: ignore[no-redef]

        from autograder.core import reference
    try:
        exporter(out, keras, reference)
    except NotDone:
        pass
    except Exception as exc:  # what the learner returned could not be read
        out.status, out.error = Status.UNREADABLE, _error(exc, out.file)
    statuses = [call["status"] for call in out.calls.values()]
    if statuses and all(status == Status.NOT_DONE for status in statuses):
        out.status = Status.NOT_DONE
    return out


def prepare_tensorflow() -> None:
    """Tune TensorFlow for a process that runs learner steps; call it before any TensorFlow op runs.

    Grappler, TensorFlow's graph optimizer, rewrites every tf.data pipeline and tf.function graph as
    it is instantiated, and `fit` builds a new pipeline every epoch: for this course's tiny network
    that costs more than it saves (`benchmarks/bench.py --only grappler` measures it; the instructor
    guide shows the recorded numbers), and every exported value stays bit-identical
    (tests/test_tensorflow_settings.py proves it on the reference and on wrong answers).
    """
    import tensorflow as tf

    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})


def run(step: int, learner_file: Path) -> Export:
    """Import the learner's file and export what its functions of `step` return."""
    if STEP_BY_NUMBER[step].needs_tensorflow:
        import keras  # noqa: F401 - imported before learner code, so a keras.py beside it is ignored
    out = Export(learner_file)
    return export(step, out) if out.load() else out


def run_namespace(step: int, namespace: object, source_name: str = "<notebook>") -> Export:
    """Export from functions already defined in `namespace` (e.g. a notebook's globals), in process."""
    out = Export(Path(source_name))
    out.file, out.module = source_name, namespace
    return export(step, out)


def main() -> None:
    """`python -m autograder.sandbox.child.harness STEP FILE OUTDIR [replay]` (where there is no fork server)."""
    step, learner_file, outdir = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    if STEP_BY_NUMBER[step].needs_tensorflow:
        prepare_tensorflow()
    if sys.argv[4:] in (["replay"], ["rebuild"]):
        action = replay if sys.argv[4] == "replay" else rebuild
        action(json.loads(learner_file.read_text())).write(outdir)
        _exit(0)
    out = run(step, learner_file.resolve())
    out.write(outdir)
    sys.stdout.flush()
    _exit(0)  # skip atexit hooks and threads the learner may have left behind


if __name__ == "__main__":
    main()
