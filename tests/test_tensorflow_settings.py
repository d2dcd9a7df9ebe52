"""The grader's children run TensorFlow tuned for speed (harness.prepare_tensorflow); that must not
change a single exported number, or a verdict could differ from a learner's own kernel (nbgrader).

Two fresh processes run the same answers through the harness, one tuned and one as TensorFlow comes;
every array (weights before and after the fit, predictions) and every loss value must be bit-identical.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from autograder.sandbox.child.contract import environment

from answers import MUTANTS, fill, solution_answer
from conftest import ROOT

EXPORT = """
import json, sys
from pathlib import Path
import numpy as np
from autograder.sandbox.child import harness
if sys.argv[1] == "tuned":
    harness.prepare_tensorflow()
results = {}
for index, (step, file) in enumerate(json.loads(sys.argv[2])):
    out = harness.run(step, Path(file))
    np.savez(Path(sys.argv[3]) / f"{sys.argv[1]}{index}.npz", **out.arrays)
    results[index] = {"status": out.status, "calls": out.calls, "data": out.data}
print(json.dumps(results, default=str))
"""

# Adam on the reference, a different schedule, a diverging optimizer, and step 5's evaluate/predict.
ANSWERS = [solution_answer(4), MUTANTS["step4_epochs_10"], MUTANTS["step4_sgd_nan"], solution_answer(5)]


def export(mode: str, files: list[tuple[int, str]], tmp_path: Path) -> tuple[dict, list[dict]]:
    done = subprocess.run(
        [sys.executable, "-c", EXPORT, mode, json.dumps(files), str(tmp_path)],
        env={**environment(str(tmp_path)), "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    arrays = []
    for index in range(len(files)):
        with np.load(tmp_path / f"{mode}{index}.npz") as archive:
            arrays.append({name: archive[name] for name in archive.files})
    return json.loads(done.stdout.strip().splitlines()[-1]), arrays


def test_tuned_tensorflow_exports_bit_identical_results(tmp_path: Path) -> None:
    files = []
    for index, answer in enumerate(ANSWERS):
        path = tmp_path / f"answer{index}.py"
        path.write_text(fill(answer.step, answer.bodies, answer.prelude), encoding="utf-8")
        files.append((answer.step, str(path)))
    stock_data, stock_arrays = export("stock", files, tmp_path)
    tuned_data, tuned_arrays = export("tuned", files, tmp_path)
    assert all(result["status"] == "ok" for result in stock_data.values())
    assert tuned_data == stock_data  # loss curves, History params, evaluate values
    assert stock_arrays[0]["after0"].size and "prediction" in stock_arrays[3]
    for stock, tuned in zip(stock_arrays, tuned_arrays):
        assert stock.keys() == tuned.keys()
        for name in stock:
            assert np.array_equal(stock[name], tuned[name], equal_nan=True), name
