"""The course's files made from its one source, solutions/: the stubs learners fill in (nbgrader's own
ClearSolutions), the public checks copied beside them, and the inverse, a stub filled in as a
learner would type it. Read by `make build` (sitegen.build), the releases and the tests.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"


def stub_source(solution: str) -> str:
    """The solution with each marked region replaced by nbgrader's own stub (its ClearSolutions)."""
    import nbformat
    from nbgrader.preprocessors import ClearSolutions

    cell = nbformat.v4.new_code_cell(solution)
    if not ClearSolutions()._replace_solution_region(cell, "python"):
        raise ValueError("no ### BEGIN SOLUTION region")
    return cell.source


def fill_stub(source: str, bodies: dict[str, str]) -> str:
    """The inverse of stub_source: each function's `# YOUR CODE HERE` stub replaced by a body, as a
    learner would type it (for sample classes in the tests and the docs' recorded runs)."""
    for function, body in bodies.items():
        stub = re.compile(
            rf"(def {function}\(.*?\n)(?P<indent>[ ]+)# YOUR CODE HERE\n[ ]+raise NotImplementedError\(\)",
            re.S,
        )
        match = stub.search(source)
        if match is None:
            raise ValueError(f"no stub of {function}")
        indented = textwrap.indent(textwrap.dedent(body).strip("\n"), match["indent"])
        source = source[: match.start()] + match[1] + indented + source[match.end() :]
    return source


def stub_file(step_module: str) -> str:
    source = (SOLUTIONS / f"{step_module}.py").read_text(encoding="utf-8")
    header = (
        f"# 생성된 파일 (solutions/{step_module}.py에서 `make build`로 생성).\n"
        "# `# YOUR CODE HERE` 자리만 채우세요.\n"
        f"# Generated from solutions/{step_module}.py by `make build`.\n"
        "# Fill in only the `# YOUR CODE HERE` parts.\n"
    )
    return header + stub_source(source)


def public_checks_file(step: int) -> str:
    """The step's public checks as learners get them beside the stubs: a copy of their one source."""
    source = f"autograder/checks/public/step{step}.py"
    header = (
        f"# 생성된 파일 ({source}에서 `make build`로 생성): 공개 검사, `pytest exercises/`로 실행합니다.\n"
        f"# Generated from {source} by `make build`: the public checks, run by `pytest exercises/`.\n"
    )
    return header + (ROOT / source).read_text(encoding="utf-8")
