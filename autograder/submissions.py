"""Find a class's submissions and turn each into a folder of the five step files.

A student folder holds either the `.py` route's step files or a notebook (`keras01.ipynb`, or the
only `.ipynb` there). nbgrader's layout, `submitted/<student>/keras01/`, is accepted too. From a
notebook only two things are taken: the cells that answer a step (found by nbgrader's `grade_id`
or by the functions they define) and the notebook's import statements; everything else is ignored.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.steps import STEPS, Step

ASSIGNMENT = "keras01"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


class InvalidSubmission(ValueError):
    """A submission that cannot be turned into step files; `reason(lang)` is shown to the instructor."""

    REASONS = {
        "unreadable_notebook": {"ko": "읽을 수 없는 노트북", "en": "not a readable notebook"},
        "nothing_to_grade": {
            "ko": "단계 파일(step1_data.py … step5_evaluate.py)도 노트북도 없음",
            "en": "no step files (step1_data.py … step5_evaluate.py) and no notebook found",
        },
    }

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, detail)
        self.kind, self.detail = kind, detail

    def reason(self, lang: str = "en") -> str:
        text = self.REASONS[self.kind][lang]
        return f"{text} ({self.detail})" if self.detail else text

    def __str__(self) -> str:
        return self.reason("en")


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path  # the folder of step files, or the notebook file

    @property
    def is_notebook(self) -> bool:
        return self.path.suffix == ".ipynb"

    def files(self) -> list[Path]:
        if self.is_notebook:
            return [self.path]
        return [self.path / step.filename for step in STEPS if (self.path / step.filename).is_file()]

    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for file in self.files():
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        return digest.hexdigest()


def _student_path(folder: Path) -> Path:
    """The step-file folder or the notebook inside one student's folder (nbgrader's keras01/ too)."""
    if (folder / ASSIGNMENT).is_dir():
        folder = folder / ASSIGNMENT
    if any((folder / step.filename).is_file() for step in STEPS):
        return folder
    if (folder / NOTEBOOK).is_file():
        return folder / NOTEBOOK
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    return notebooks[0] if len(notebooks) == 1 else folder


def discover(root: Path) -> list[Submission]:
    """One Submission per student folder, sorted by student id."""
    if (root / "submitted").is_dir():  # pointed at an nbgrader course directory
        root = root / "submitted"
    return [
        Submission(folder.name, _student_path(folder))
        for folder in sorted(root.iterdir())
        if folder.is_dir() and not folder.name.startswith(".")
    ]


# --- notebooks ---------------------------------------------------------------------------------

MAGIC = re.compile(r"^(\s*)([%!].*)$", re.M)


def _code_cells(notebook_path: Path) -> list[dict]:
    try:
        notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
        cells = notebook["cells"]
        assert isinstance(cells, list)
    except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
        raise InvalidSubmission("unreadable_notebook", f"{type(exc).__name__}: {exc}") from None
    code = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell.get("metadata"), dict) else {}
        if meta.get("grade") and not meta.get("solution"):
            continue  # a test cell: the grader runs its own checks
        code.append({"source": MAGIC.sub(r"\1# \2", source), "grade_id": str(meta.get("grade_id", ""))})
    return code


def _imports(cells: list[dict]) -> list[str]:
    """The notebook's top-level import statements, in order (answers rely on the setup cell's)."""
    lines: list[str] = []
    for cell in cells:
        try:
            tree = ast.parse(cell["source"])
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                lines.append(ast.unparse(node))
    return lines


def _answers(cells: list[dict], step: Step) -> list[str]:
    defines = re.compile(rf"^def\s+({'|'.join(step.functions)})\s*\(", re.M)
    return [
        cell["source"]
        for cell in cells
        if cell["grade_id"].startswith(f"step{step.number}_") or defines.search(cell["source"])
    ]


def notebook_to_steps(notebook_path: Path, folder: Path) -> None:
    """Write the five step files of a notebook submission into `folder` (missing answers are left out)."""
    cells = _code_cells(notebook_path)
    header = "# Generated by keras-course grade from the notebook's answer cells.\n"
    imports = "\n".join(_imports(cells))
    folder.mkdir(parents=True, exist_ok=True)
    for step in STEPS:
        answers = _answers(cells, step)
        if answers:
            body = "\n\n\n".join(answers)
            (folder / step.filename).write_text(f"{header}{imports}\n\n\n{body}\n", encoding="utf-8")
