"""No points without the work: what the checks of steps 2-4 read is recomputed by the grader.

Steps 2 and 3: the child exports the Keras configs of what the learner's function returned; a child
that runs no learner code rebuilds the model (or compiles the reference model) from them and
describes it. A patched harness can lie about a description, not about a config that Keras rebuilds:
to forge one, a learner has to write the right model, which is the step.

Step 4, no points for training that did not happen.

Learner code can write whatever its own process exports, so the weights and History a child reports
are only trusted once a replay agrees with them. The child records every `fit` of the model it was
given (its data and settings; each fit starts from the grader's seed); the grader then trains the
same reference model with the same calls in a process that never ran learner code, and the learner's
weights must equal the replay's bit for bit. Honest variants (verbose=0, callbacks, a seed of their
own, shuffle=False, validation_split, a LearningRateScheduler: the learning rate of every batch is
recorded and set again) replay to the same bits; a forged export does not, unless the forger ran the
very training it claims. The replay's own History and weights then stand in for the
child's, so nothing the step-4 checks read comes from learner code.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from autograder.core.steps import STEP_BY_NUMBER
from autograder.sandbox.child.contract import REPLAYED
from autograder.sandbox.results import CONFIG_CAP

MAX_CALLS = 8
MAX_ROWS = 1000
MAX_EPOCHS = 1000  # a replay is bounded like a step: claims past these are not replayed


def _setting_ok(name: str, value: Any) -> bool:
    if name == "shuffle":
        return isinstance(value, bool) or value == "batch"
    if name == "validation_split":
        return isinstance(value, float | int) and not isinstance(value, bool) and 0 <= value < 1
    if name in ("batch_size", "steps_per_epoch"):
        return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1)
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_EPOCHS


class Refusal(str):
    """Why the grader cannot recompute an export (a str, for the runner), and what kind of reason it
    is, for the checks' advice: no_fit, calls, compile, arguments, settings, data, epochs, rates."""

    kind: str

    def __new__(cls, kind: str, text: str) -> Refusal:
        refusal = super().__new__(cls, text)
        refusal.kind = kind
        return refusal


# Per rebuilt step: the Keras config the child exports, and what the grader's rebuild describes.
CONFIG = {2: "model_json", 3: "compile_config"}
REBUILT = {2: ("model",), 3: ("loss", "optimizer", "optimizer_is_adam", "metrics")}


def request(outcome: Any) -> dict[str, Any] | str:
    """What the grader runs to recompute the child's export (Step.recompute), or why it cannot."""
    kind = STEP_BY_NUMBER[outcome.step].recompute
    if kind == "rebuild":
        return _config_request(outcome)
    if kind == "replay":
        return _replay_request(outcome)
    raise ValueError(f"step {outcome.step} has nothing the grader recomputes")


def _config_request(outcome: Any) -> dict[str, Any] | str:
    name = CONFIG[outcome.step]
    config = outcome.data.get(name)
    if not isinstance(config, str) or len(config) > CONFIG_CAP:
        return Refusal("config", f"no Keras config ({name}) the grader can rebuild from")
    return {"step": outcome.step, name: config}


def _replay_request(outcome: Any) -> dict[str, Any] | str:
    """The replay of the child's recorded compile and fit calls, or why they cannot be replayed."""
    calls = outcome.data.get("fit_calls")
    if not isinstance(calls, list) or not any(isinstance(c, dict) and c.get("kind") == "fit" for c in calls):
        return Refusal("no_fit", "no model.fit call on the model train_model received")
    if len(calls) > MAX_CALLS:
        return Refusal("calls", f"{len(calls)} compile and fit calls (at most {MAX_CALLS} are replayed)")
    replayed: list[dict[str, Any]] = []
    for i, call in enumerate(calls):
        call = call if isinstance(call, dict) else {}
        if call.get("kind") == "compile":
            if not isinstance(call.get("config"), str) or len(call["config"]) > 20_000:
                return Refusal("compile", "a compile call a replay cannot reproduce")
            replayed.append({"kind": "compile", "config": call["config"]})
            continue
        settings = call.get("settings") if isinstance(call.get("settings"), dict) else None
        if settings is None or call.get("unsupported"):
            return Refusal("arguments", f"fit arguments a replay cannot reproduce: {call.get('unsupported')}")
        if set(settings) - set(REPLAYED) or not all(_setting_ok(k, v) for k, v in settings.items()):
            return Refusal("settings", f"fit settings a replay cannot reproduce: {settings}")
        arrays = [outcome.arrays.get(f"fit{i}_{name}") for name in "xy"]
        dtypes = [call.get(f"{name}_dtype") for name in "xy"]
        if any(a is None or a.size > MAX_ROWS for a in arrays) or not all(_dtype_ok(d) for d in dtypes):
            return Refusal("data", "fit data a replay cannot reproduce (not a small numeric array)")
        epochs_run = call.get("epochs_run")
        if not isinstance(epochs_run, int) or not 0 <= epochs_run <= MAX_EPOCHS:
            return Refusal("epochs", "fit ran an unknown number of epochs")
        rates = call.get("learning_rates", [])
        if not _rates_ok(rates):
            return Refusal("rates", "the learning rates of the fit were not recorded")
        replayed.append(
            {
                "kind": "fit",
                "settings": settings,
                "epochs_run": epochs_run,
                "learning_rates": rates,
                **{name: a.tolist() for name, a in zip("xy", arrays)},
                **{f"{name}_dtype": d for name, d in zip("xy", dtypes)},
            }
        )
    return {"calls": replayed}


MAX_RATES = 10_000


def _rates_ok(rates: Any) -> bool:
    """[[batch, rate], ...] as the child records them: batches counted up, rates positive and finite."""
    if not isinstance(rates, list) or len(rates) > MAX_RATES:
        return False
    last = -1
    for pair in rates:
        if not (isinstance(pair, list) and len(pair) == 2):
            return False
        batch, rate = pair
        if not (type(batch) is int and batch > last and type(rate) is float and 0 <= rate < 1e6):
            return False
        last = batch
    return True


def _dtype_ok(name: Any) -> bool:
    try:
        return isinstance(name, str) and np.dtype(name).kind in "biuf"
    except TypeError:
        return False


def key(replay_request: dict[str, Any]) -> str:
    """Equal requests give equal replays (seeded fits are bit-identical): one replay per key."""
    return hashlib.sha256(json.dumps(replay_request, sort_keys=True).encode()).hexdigest()


# What the step-4 checks read about the training: taken from the replay once it agrees. Whether
# train_model *returned* that fit's History stays the child's word: it earns nothing without the fit.
TRAINING_DATA = ("params", "loss_curve", "optimizer_steps")


def apply(outcome: Any, trusted: Any, reason: str | None) -> None:
    """A rebuild replaces what the child described (steps 2 and 3). A replay (step 4): trust the
    child's training only where the replay agrees, then use the replay's data."""
    if STEP_BY_NUMBER[outcome.step].recompute == "rebuild":
        _apply_rebuild(outcome, trusted, reason)
    else:
        _apply_replay(outcome, trusted, reason)


def _apply_rebuild(outcome: Any, rebuilt: Any, reason: str | None) -> None:
    for name in REBUILT[outcome.step]:
        outcome.data.pop(name, None)
    if rebuilt is not None:
        outcome.data.update({n: rebuilt.data[n] for n in REBUILT[outcome.step] if n in rebuilt.data})
    elif outcome.step == 2:
        returned = outcome.calls.get("build_model", {}).get("returned", "?")
        outcome.data["model"] = {"type": returned, "is_model": False, "is_sequential": False, "why": reason}
    else:
        outcome.data["compiled"] = False
    outcome.data["rebuilt"] = {"ok": rebuilt is not None, "reason": reason}


def _apply_replay(outcome: Any, replayed: Any, reason: str | None) -> None:
    # The kind of reason, for the checks' advice: a Refusal's, or the grader's own run failing.
    why = getattr(reason, "kind", "grader")
    verdict: dict[str, Any] = {
        "verified": False,
        "reason": None if reason is None else str(reason),
        "why": why,
    }
    for name in TRAINING_DATA:  # the child's word only: gone unless the replay agrees
        outcome.data.pop(name, None)
    if replayed is not None:
        names = sorted(n for n in replayed.arrays if n.startswith("after"))
        same = bool(names) and all(
            n in outcome.arrays and np.array_equal(outcome.arrays[n], replayed.arrays[n], equal_nan=True)
            for n in names
        )
        if same:
            verdict = {"verified": True, "reason": None, "why": None}
            for name in names:
                outcome.arrays[name] = replayed.arrays[name]
            for name in TRAINING_DATA:
                if name in replayed.data:
                    outcome.data[name] = replayed.data[name]
        else:
            verdict["reason"] = "the weights after train_model differ from a replay of its fit calls"
            verdict["why"] = "differs"
    outcome.data["training"] = verdict
