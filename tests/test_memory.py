"""A step's memory as one group: the cap holds for all of its processes together, in a 4 GiB slot.

The hog's step 1 starts forty processes that write 200 MiB each (8 GiB in all, twice the slot of
`course/cluster/grade-job.yaml` and `grade.sbatch`). One process's address-space limit never sees
it; the step's group does. Whether the group is a cgroup (root: autograder.sandbox.groups) or the
keeper's sum of the step's private memory (an ordinary user, or root with groups turned off), the
hog's step ends "over the memory limit", its other steps and an honest classmate keep their points,
and the slot never runs out of memory, so nothing of the grader's can be killed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.checks.registry import all_checks
from autograder.core.steps import STEP_BY_NUMBER, STEPS
from autograder.sandbox.child.contract import Limits
from autograder.sandbox.groups import _v1_memory_folder
from autograder.sandbox.launch import Zygote, unavailable_reason
from autograder.sandbox.runner import run_step

from answers import write_submission
from conftest import ROOT
from test_attacks import _ordinary_user, _python_for

pytestmark = [
    pytest.mark.xdist_group("memory"),
    pytest.mark.skipif(
        sys.platform != "linux" or unavailable_reason() is not None, reason="needs the sandbox"
    ),
]

MAX = {step.number: sum(c.points for c in all_checks() if c.step == step.number) for step in STEPS}
SOLUTIONS = {step.number: (ROOT / "solutions" / step.filename).read_text() for step in STEPS}
SLOT = 4 << 30

HOG = """
import os
import time

import numpy as np


def make_data():
    for _ in range(40):
        if os.fork() == 0:
            block = b"x" * (200 << 20)  # written, so resident: not a promise of memory but memory
            time.sleep(120)
            os._exit(0)
    time.sleep(120)
    return np.arange(1, 11), np.arange(1, 11)
"""


@pytest.mark.parametrize("groups", ["on", "off"])
def test_a_steps_processes_together_stay_under_its_cap(tmp_path, monkeypatch, groups):
    """Each process alone is far below its own limit; together they are stopped at the step's cap,
    by the kernel where the grader could make a cgroup, by the keeper where it could not."""
    monkeypatch.setenv("KERAS_COURSE_MEMORY_GROUPS", groups)
    expected = "cgroup" if groups == "on" and os.geteuid() == 0 and _v1_memory_folder() else "keeper"
    folder = write_submission(tmp_path, {1: HOG})
    with Zygote(light=True) as zygote:
        outcome = run_step(STEP_BY_NUMBER[1], folder, Limits(timeout=100), zygote)
    assert outcome.status == "out_of_memory", (outcome.status, outcome.error)
    assert {k: outcome.error[k] for k in ("bytes", "held_by")} == {
        "bytes": Limits().memory_bytes,
        "held_by": expected,
    }
    assert outcome.seconds < 60  # stopped for its memory, long before its time limit


def _slot() -> Path:
    """A new 4 GiB memory cgroup (v1) to grade in, or skip where none can be made."""
    parent = _v1_memory_folder()
    if os.geteuid() != 0 or parent is None:
        pytest.skip("a memory cgroup for the slot needs root and cgroup v1's memory controller")
    slot = parent / f"kc-slot-{os.getpid()}"
    slot.mkdir()
    (slot / "memory.limit_in_bytes").write_text(str(SLOT))
    if (slot / "memory.memsw.limit_in_bytes").exists():
        (slot / "memory.memsw.limit_in_bytes").write_text(str(SLOT))
    return slot


@pytest.fixture(scope="module", params=["root", "root-without-groups", "user"])
def graded_in_a_slot(request):
    """Grade the hog and an honest classmate with `keras-course grade` inside a 4 GiB slot."""
    slot = _slot()
    base = Path(tempfile.mkdtemp(prefix="kc-memory-"))
    base.chmod(0o755)
    klass = base / "class"
    write_submission(klass / "hog", {1: HOG, 2: SOLUTIONS[2], 3: SOLUTIONS[3], 5: SOLUTIONS[5]})
    write_submission(klass / "honest", SOLUTIONS)
    out = base / "out"
    out.mkdir()
    command = ["-m", "autograder.cli", "grade", str(klass), "--out", str(out), "--lang", "en"]
    command += ["--workers", "2", "--timeout", "100"]
    env = {
        **os.environ,
        "KERAS_COURSE_MEMORY_GROUPS": "off" if request.param == "root-without-groups" else "on",
    }
    if request.param == "user":
        user = _ordinary_user()
        *python_env, python = _python_for(user)
        subprocess.run(["chown", "-R", f"{user}:{user}", str(klass), str(out)], check=True)
        argv = ["runuser", "-u", user, "--", *python_env, python, *command]
    else:
        argv = [sys.executable, *command]
    enter = f'echo $$ > "{slot}/cgroup.procs" && exec "$@"'  # the grader, and all it starts, in the slot
    try:
        done = subprocess.run(
            ["sh", "-c", enter, "sh", *argv], capture_output=True, env=env, cwd=ROOT, timeout=900
        )
        oom_control = (slot / "memory.oom_control").read_text()
        yield {
            "identity": request.param,
            "done": done,
            "grades": json.loads((out / "grades.json").read_text()),
            "slot_oom_kills": int(oom_control.split("oom_kill ")[1].split()[0]),
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)
        slot.rmdir()


def test_the_hog_loses_only_its_step_and_the_classmate_nothing(graded_in_a_slot):
    students = graded_in_a_slot["grades"]["students"]
    stderr = graded_in_a_slot["done"].stderr.decode(errors="replace")[-3000:]
    assert students["honest"]["steps"] == {str(n): p for n, p in MAX.items()}, stderr
    assert students["hog"]["steps"] == {"1": 0, "2": MAX[2], "3": MAX[3], "4": 0, "5": MAX[5]}, stderr
    assert students["hog"]["reasons"][0] == "step 1: over the memory limit (1 GiB)"


def test_the_slot_never_runs_out(graded_in_a_slot):
    """No process of the slot was killed for the slot's memory: the cap stopped the hog first."""
    assert graded_in_a_slot["slot_oom_kills"] == 0
    assert graded_in_a_slot["done"].returncode == 1  # the hog's step could not run to its end
