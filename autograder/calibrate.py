"""Measure step 4's final loss over many seeds, for the reference recipe and for known-wrong ones.

    python -m autograder.calibrate --seeds 500 --jobs 2

Writes autograder/calibration.json: the distributions, the pass rate of each variant at
spec.LOSS_THRESHOLD, and the margins at spec.GRADER_SEED. The threshold itself is a decision kept in
spec.py; this script only measures (it takes about 20 minutes on 2 cores for 500 seeds).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from autograder import spec

OUTPUT = Path(__file__).with_name("calibration.json")
# Variants measured on every seed, and the costly ones on every `SPARSE`-th seed.
VARIANTS = ("reference", "untrained", "epochs_10", "batch_size_32")
SPARSE_VARIANTS = ("target_2y", "sgd")
SPARSE = 5


def _measure(seed: int) -> dict[str, float | list[float]]:
    # The same TensorFlow settings as the child that grades (autograder.sandbox.environment).
    os.environ.update({"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "CUDA_VISIBLE_DEVICES": ""})
    from autograder import reference

    x, y = reference.data()

    def fit(**kwargs: object) -> float:
        net = reference.compiled_model(seed)
        target = kwargs.pop("target", y)
        if kwargs.pop("sgd", False):
            net.compile(loss="mse", optimizer="sgd", metrics=["mse"])
        net.fit(x, target, verbose=0, **kwargs)
        return spec.mse(reference.weights(net), x, y)

    net = reference.compiled_model(seed)
    row: dict[str, float | list[float]] = {"untrained": spec.mse(reference.weights(net), x, y)}
    net.fit(x, y, epochs=spec.EPOCHS, batch_size=spec.BATCH_SIZE, verbose=0)
    row["reference"] = spec.mse(reference.weights(net), x, y)
    row["prediction"] = spec.forward(reference.weights(net), spec.X_NEW).ravel().tolist()
    row["epochs_10"] = fit(epochs=10, batch_size=1)
    row["batch_size_32"] = fit(epochs=100)
    if seed % SPARSE == 0:
        row["target_2y"] = fit(epochs=100, batch_size=1, target=2 * y)
        row["sgd"] = fit(epochs=100, batch_size=1, sgd=True)
    return row


def _summary(values: list[float]) -> dict[str, float]:
    finite = np.array([v for v in values if math.isfinite(v)])
    stats = {"n": len(values), "nan": len(values) - len(finite)}
    if len(finite):
        for name, q in (("min", 0), ("median", 50), ("p90", 90), ("p99", 99), ("max", 100)):
            stats[name] = float(f"{np.percentile(finite, q):.4g}")
    stats["pass_rate"] = round(sum(v < spec.LOSS_THRESHOLD for v in values) / len(values), 4)
    return stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds))
    if spec.GRADER_SEED not in seeds:
        seeds.append(spec.GRADER_SEED)
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = dict(zip(seeds, pool.map(_measure, seeds)))
    import keras
    import tensorflow as tf

    grader = rows[spec.GRADER_SEED]
    per_variant = {
        name: [float(row[name]) for row in rows.values() if name in row]
        for name in VARIANTS + SPARSE_VARIANTS
    }
    predictions = np.array([row["prediction"] for row in rows.values()])
    result = {
        "_comment": "Measured by `python -m autograder.calibrate`; do not edit by hand.",
        "threshold": spec.LOSS_THRESHOLD,
        "grader_seed": spec.GRADER_SEED,
        "grader_seed_reference_loss": float(f"{grader['reference']:.4g}"),
        "grader_seed_untrained_loss": float(f"{grader['untrained']:.4g}"),
        "margin_reference": float(f"{spec.LOSS_THRESHOLD / max(grader['reference'], 1e-300):.3g}"),
        "margin_untrained": float(f"{grader['untrained'] / spec.LOSS_THRESHOLD:.3g}"),
        "seeds": len(rows),
        "variants": {name: _summary(values) for name, values in per_variant.items()},
        "reference_prediction_median": [round(v, 3) for v in np.median(predictions, 0)],
        "per_seed": {
            str(seed): {k: float(f"{v:.4g}") for k, v in row.items() if k != "prediction"}
            for seed, row in sorted(rows.items())
        },
        "measured_with": {
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "seconds": round(time.perf_counter() - start),
        },
    }
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "per_seed"}, indent=1))


if __name__ == "__main__":
    main()
