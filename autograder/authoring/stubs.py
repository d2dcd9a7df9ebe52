"""The course's files made from its one source, solutions/: the stubs learners fill in (nbgrader's own
ClearSolutions), the public checks copied beside them, and the inverse, a stub filled in as a
learner would type it. Read by `make build` (sitegen.build), the releases and the tests.

Each file opens with a header in two forms: in the learners' release (the default: `keras-course
release` writes it), which has neither solutions/ nor a Makefile, what the file is and how to check it;
in this repository (`repository=True`: `make build` writes it), where it is made from, for maintainers.
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


def stub_file(step_module: str, repository: bool = False) -> str:
    """The step's stub file: its header (the release's, or with `repository` this repository's) and stub."""
    source = (SOLUTIONS / f"{step_module}.py").read_text(encoding="utf-8")
    return _stub_header(step_module, repository) + stub_source(source)


def _stub_header(step_module: str, repository: bool) -> str:
    if repository:  # kept as it was: the site's recorded runs are fingerprinted on exercises/
        return (
            f"# 생성된 파일 (solutions/{step_module}.py에서 `make build`로 생성).\n"
            "# `# YOUR CODE HERE` 자리만 채우세요.\n"
            f"# Generated from solutions/{step_module}.py by `make build`.\n"
            "# Fill in only the `# YOUR CODE HERE` parts.\n"
        )
    # As many lines as above: an error's line number is the one the site's recorded runs show.
    n = _step_number(step_module)
    return (
        f"# {n}단계 빈칸 파일: `# YOUR CODE HERE` 자리를 채우고 그 아래 `raise NotImplementedError()` 줄을 지우세요.\n"
        f"# 검사: keras-course check --step {n}   (힌트: keras-course hint {n})\n"
        f"# Step {n}, to fill in: fill in each `# YOUR CODE HERE` and delete the `raise NotImplementedError()` under it.\n"
        f"# Check it: keras-course check --step {n}   (a hint: keras-course hint {n})\n"
    )


def _step_number(step_module: str) -> int:
    from autograder.core.steps import STEPS

    return next(step.number for step in STEPS if step.module == step_module)


def public_checks_file(step: int, repository: bool = False) -> str:
    """The step's public checks as learners get them beside the stubs: a copy of their one source."""
    source = f"autograder/checks/public/step{step}.py"
    if not repository:  # the release holds that source (the learners' package) but no Makefile
        header = (
            f"# {step}단계의 공개 검사입니다({source}와 같은 내용). 고치지 마세요.\n"
            f"# 실행: keras-course check --step {step}, 또는 강좌 폴더에서 pytest exercises/\n"
            f"# Step {step}'s public checks (the same as {source}): leave them as they are.\n"
            f"# Run them: keras-course check --step {step}, or pytest exercises/ from the course folder\n"
        )
    else:
        header = (
            f"# 생성된 파일 ({source}에서 `make build`로 생성): 공개 검사, `pytest exercises/`로 실행합니다.\n"
            f"# Generated from {source} by `make build`: the public checks, run by `pytest exercises/`.\n"
        )
    return header + (ROOT / source).read_text(encoding="utf-8")
