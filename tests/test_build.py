"""Generated files: regenerated from their one source, and stale ones fail `--check`."""

from __future__ import annotations

import re
import shutil

from autograder.core.steps import STEPS
from sitegen import build

from answers import fill
from conftest import ROOT

REGION = re.compile(r"def (\w+)\(.*?### BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", re.S)


def test_generated_files_are_fresh():
    assert build.main(["--check"]) == 0


def test_a_stale_stub_fails_the_check_and_build_repairs_it(tmp_path, monkeypatch):
    copy = tmp_path / "exercises"
    shutil.copytree(ROOT / "exercises", copy)
    monkeypatch.setattr(build, "EXERCISES", copy)
    (copy / "step3_compile.py").write_text("# edited by hand\n")
    assert build.main(["--check"]) == 1
    assert build.main([]) == 0
    assert build.main(["--check"]) == 0


def test_stubs_hold_nbgrader_stub_and_no_solution():
    for step in STEPS:
        stub = (ROOT / "exercises" / step.filename).read_text()
        assert stub.startswith("# 생성된 파일") and "Generated from solutions/" in stub
        assert "BEGIN SOLUTION" not in stub
        assert stub.count("# YOUR CODE HERE\n") == len(step.functions)
        assert stub.count("raise NotImplementedError()") == len(step.functions)


def test_filling_only_the_marked_regions_gives_back_the_solution():
    """A learner never needs to touch anything but the marked regions."""
    for step in STEPS:
        solution = (ROOT / "solutions" / step.filename).read_text()
        bodies = {name: body for name, body in REGION.findall(solution)}
        assert set(bodies) == set(step.functions)
        filled = fill(step.number, bodies)
        without_markers = re.sub(r"\n\s*### (BEGIN|END) SOLUTION", "", solution)
        assert filled.split('"""', 1)[1] == without_markers.split('"""', 1)[1]
