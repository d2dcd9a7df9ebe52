"""Speed figures as ratios against a floor measured in the same run.

    make bench        (or: .venv/bin/python benchmarks/bench.py)

The floor is what any grader of this course must pay at least once: `import tensorflow` plus one
reference fit (100 epochs x 10 steps), measured in a fresh process with the graders' settings.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.sandbox import environment  # noqa: E402

FLOOR_SCRIPT = """
import json, time
start = time.perf_counter()
import tensorflow, keras
imported = time.perf_counter()
from autograder import reference
model = reference.compiled_model()
x, y = reference.data()
model.fit(x, y, epochs=100, batch_size=1, verbose=0)
print(json.dumps({"import": imported - start, "fit": time.perf_counter() - imported}))
"""


def measure_floor(workdir: Path) -> dict[str, float]:
    """Seconds for `import tensorflow` and for one reference fit, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", FLOOR_SCRIPT],
        env={**environment(str(workdir)), "PYTHONPATH": str(ROOT)},
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_check(folder: Path) -> float:
    """Wall seconds of `keras-course check FOLDER --hidden --json` (what a learner runs)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "check", str(folder), "--hidden", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    report = json.loads(done.stdout)
    assert report["passed_steps"] == 5, report["summary"]
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        floor = measure_floor(work)
        floor_total = floor["import"] + floor["fit"]
        print(f"floor: import tensorflow {floor['import']:.2f} s + one reference fit {floor['fit']:.2f} s")
        folder = work / "solutions"
        shutil.copytree(ROOT / "solutions", folder)
        check = time_check(folder)
        print(f"keras-course check (5 steps, hidden checks): {check:.2f} s")
        print(f"check time vs floor: {check / floor_total:.2f}×")


if __name__ == "__main__":
    main()
