"""Generate the nbgrader source notebook course/source/keras01/keras01.ipynb (run by sitegen.build).

Everything in it comes from elsewhere: the functions (with their `### BEGIN SOLUTION` regions) and
imports from solutions/, titles and hints from the manifest, one test cell per check of the check
library. Written deterministically with nbformat (fixed cell ids, no outputs) so `build --check` is stable.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from autograder.checks.library import Check
from autograder.checks.registry import all_checks
from autograder.core.steps import STEPS, Step

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
ASSIGNMENT = "keras01"
NOTEBOOK = ROOT / "course" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

GENERATED = (
    "<!-- 생성된 파일: solutions/와 autograder/에서 `make build`로 만듭니다. 직접 고치지 마세요. -->\n"
    "<!-- Generated from solutions/ and autograder/ by `make build`; do not edit. -->\n"
)

INTRO = """\
# 케라스 튜토리얼 01 — Sequential 모델 구현 / Keras Tutorial 01 — a Sequential model

선형 회귀 Y = WX + B에서 사람은 잘 정제된 데이터 x, y를 준비하고, 케라스는 가장 좋은 W와 B를 찾습니다.
딥러닝은 다섯 단계로 진행됩니다: 데이터 구성 → 모델 구성 → 컴파일 → 훈련 → 평가와 예측.
단계마다 함수 하나(5단계는 둘)를 채우세요. 각 단계는 채점기의 정답 입력으로 따로 검사하므로,
한 단계가 틀려도 그 단계의 점수만 잃습니다. 함수 이름을 바꾸거나 셀을 지우지 마세요.

In linear regression Y = WX + B, people prepare clean data x and y, and Keras finds the best W and B.
Deep learning here takes five steps: data → model → compile → train → evaluate and predict.
Fill in one function per step (two in step 5). Each step is checked on its own with the grader's
reference inputs, so a mistake in one step costs only that step. Do not rename the functions or delete cells.
"""

# nbgrader's notebook only: how its test cells and Validate button are used.
VALIDATE = """\
각 답 셀 아래의 검사 셀을 실행하거나 **Validate** 버튼(`nbgrader validate`)으로 제출 전에 확인하세요.
숨은 검사는 채점할 때만 실행됩니다.
Run the check cells under each answer, or the **Validate** button (`nbgrader validate`), before you submit.
Hidden checks run only when your notebook is graded.
"""

SETUP_HEAD = """\
# 준비 셀: 고치지 마세요 / setup cell: read-only
import os

# TensorFlow writes log lines to stderr when it is imported, and nbgrader scores a test cell with any
# stderr output as zero: silence it before the first import of keras.
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

"""

CHECK_CALL = 'from autograder.learner.kernel import assert_check\n\nassert_check("{id}", globals())'
HIDDEN_NOTE = "# 숨은 검사: 채점할 때만 실행됩니다 / hidden check: runs only when your notebook is graded"


def _module(step: Step) -> tuple[list[str], ast.Module]:
    lines = (SOLUTIONS / step.filename).read_text(encoding="utf-8").splitlines()
    return lines, ast.parse("\n".join(lines))


def solution_imports() -> list[str]:
    """Every module-level import of the solutions, once each, in isort's order (ruff lints notebooks)."""
    found: dict[str, tuple[bool, str]] = {}
    for step in STEPS:
        lines, tree = _module(step)
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                statement = "\n".join(lines[node.lineno - 1 : node.end_lineno])
                found[statement] = (isinstance(node, ast.ImportFrom), module or "")
    return sorted(found, key=found.__getitem__)


def function_source(step: Step) -> str:
    """The step's functions as written in solutions/, up to the next top-level statement.

    Up to the next statement rather than the function's last line: `### END SOLUTION` is a comment
    after the last statement, outside what ast counts as the function.
    """
    lines, tree = _module(step)
    parts = []
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.FunctionDef) and node.name in step.functions:
            end = tree.body[i + 1].lineno - 1 if i + 1 < len(tree.body) else len(lines)
            parts.append("\n".join(lines[node.lineno - 1 : end]).strip())
    names = [name for name in step.functions if f"def {name}(" not in "\n".join(parts)]
    if names:
        raise ValueError(f"solutions/{step.filename} lacks {names}")
    return "\n\n\n".join(parts)


def _docstrings(step: Step) -> list[str]:
    _, tree = _module(step)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in step.functions]
    return [f"`{n.name}({', '.join(a.arg for a in n.args.args)})`: {ast.get_docstring(n)}" for n in functions]


def step_markdown(step: Step, checks: list[Check]) -> str:
    hidden = [c for c in checks if c.hidden]
    public = "\n".join(
        f"- `{c.id}` ({c.points}점 / {c.points} pt): {c.title['ko']} / {c.title['en']}"
        for c in checks
        if not c.hidden
    )
    n, points = len(hidden), sum(c.points for c in hidden)
    return (
        f"## {step.number}. {step.title['ko']} / {step.title['en']}\n\n"
        + "\n\n".join(_docstrings(step))
        + "\n\n"
        + "".join(  # one at a time: a nudge, the idea, then the answer's lines
            f"<details><summary>힌트 {n} / Hint {n}</summary>\n\n{h['ko']}\n\n{h['en']}\n\n</details>\n\n"
            for n, h in enumerate(step.hints, start=1)
        )
        + f"검사 / checks:\n\n{public}\n"
        + f"- 숨은 검사 {n}개 ({points}점) / hidden checks: {n} ({points} pt)\n"
    )


def _nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    return {"nbgrader": meta}


def test_cell(check: Check) -> nbformat.NotebookNode:
    """One autograded test cell per check; a hidden check's call sits in nbgrader's hidden region."""
    call = CHECK_CALL.format(id=check.id)
    if check.hidden:
        source = f"{HIDDEN_NOTE}\n### BEGIN HIDDEN TESTS\n{call}\n### END HIDDEN TESTS"
    else:
        source = f"# {check.id}: {check.title['ko']} / {check.title['en']}\n{call}"
    cell_id = check.id.replace(".", "_")
    cell = nbformat.v4.new_code_cell(source, id=cell_id)
    cell.metadata = _nbgrader(cell_id, grade=True, locked=True)
    cell.metadata["nbgrader"]["points"] = check.points
    return cell


def step_cells(step: Step, checks: list[Check]) -> list[nbformat.NotebookNode]:
    ours = [c for c in checks if c.step == step.number]
    intro = nbformat.v4.new_markdown_cell(step_markdown(step, ours), id=f"step{step.number}_intro")
    answer_id = f"step{step.number}_answer"
    answer = nbformat.v4.new_code_cell(function_source(step), id=answer_id)
    answer.metadata = _nbgrader(answer_id, solution=True)
    return [intro, answer, *(test_cell(c) for c in ours)]


def notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    title = nbformat.v4.new_markdown_cell(GENERATED + "\n" + INTRO + "\n" + VALIDATE, id="intro")
    setup = nbformat.v4.new_code_cell(SETUP_HEAD + "\n".join(solution_imports()), id="setup")
    setup.metadata = _nbgrader("setup", locked=True)
    checks = all_checks(include_hidden=True)
    nb.cells = [title, setup] + [cell for step in STEPS for cell in step_cells(step, checks)]
    nbformat.validate(nb)
    return nb


def notebook_text() -> str:
    return nbformat.writes(notebook()) + "\n"
