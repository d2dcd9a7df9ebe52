"""The instructor guide's sizing numbers, measured rather than typed: `make bench`'s shard and Grappler
parts (benchmarks/bench.py) on a class of notebooks, as the guide describes them.

`python -m sitegen.build` reruns it when the grader's code changes (recordings.SIZING_SOURCES): what a
submission and a shard cost is what the grader's own processes and sandbox cost.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "bench.py"
CLASS = {"students": 9, "shards": 3, "workers": 2}  # small enough to record in a few minutes


def sizing_run() -> dict[str, Any]:
    """`bench.py --only shards --only grappler` on CLASS; what it measured."""
    options = [f"--{name}={value}" for name, value in CLASS.items()]
    with tempfile.TemporaryDirectory(prefix="keras-course-sizing-") as tmp:
        out = Path(tmp) / "sizing.json"
        command = [sys.executable, str(BENCH), "--only", "shards", "--only", "grappler", *options]
        subprocess.run([*command, "--json", str(out)], cwd=ROOT, check=True)
        return json.loads(out.read_text(encoding="utf-8"))
