"""Find a class's submissions and turn each into a folder of the five step files.

A student folder holds either the `.py` route's step files (or a repository with them in `exercises/`)
or a notebook (`keras01.ipynb`, or the only `.ipynb` there). nbgrader's layout, `submitted/<student>/keras01/`, is accepted too. From a
notebook only two things are taken: the cells that answer a step (found by nbgrader's `grade_id`
or by the functions they define) and the notebook's import statements; everything else is ignored.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.core.files import printable, read_regular
from autograder.core.steps import STEPS, Step

ASSIGNMENT = "keras01"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
NOTEBOOK_CAP = 16 << 20  # bytes
STEP_FILE_CAP = 1 << 20


class InvalidSubmission(ValueError):
    """A submission that cannot be turned into step files; `reason(lang)` is shown to the instructor."""

    REASONS = {
        "unreadable_notebook": {"ko": "읽을 수 없는 노트북", "en": "not a readable notebook"},
        "nothing_to_grade": {
            "ko": "단계 파일(step1_data.py … step5_evaluate.py)도 노트북도 없음",
            "en": "no step files (step1_data.py … step5_evaluate.py) and no notebook found",
        },
        "symlink": {
            "ko": "학생 폴더나 노트북이 심볼릭 링크임 (따라가지 않음)",
            "en": "the student folder or notebook is a symbolic link (not followed)",
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
        """The files to grade (a step file that is a symlink is listed: its step says why it is refused)."""
        if self.is_notebook:
            return [self.path]
        return [self.path / s.filename for s in STEPS if os.path.lexists(self.path / s.filename)]

    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for file in self.files():
            try:
                content = read_regular(file, NOTEBOOK_CAP if self.is_notebook else STEP_FILE_CAP)
            except OSError as exc:
                content = f"unreadable: {exc}".encode()
            digest.update(file.name.encode() + b"\0" + content + b"\0")
        return digest.hexdigest()

    @property
    def is_symlink(self) -> bool:
        return self.path.is_symlink()


def student_path(folder: Path) -> Path:
    """The step-file folder or the notebook inside one student's folder (nbgrader's keras01/ too).
    A symlink is returned as it is, never followed: grading refuses it."""
    if folder.is_symlink():
        return folder
    if (folder / ASSIGNMENT).is_dir():
        folder = folder / ASSIGNMENT
        if folder.is_symlink():
            return folder
    if any(os.path.lexists(folder / step.filename) for step in STEPS):
        return folder
    exercises = folder / "exercises"  # a learner's repository (the release, GitHub Classroom)
    if not exercises.is_symlink() and any(os.path.lexists(exercises / s.filename) for s in STEPS):
        return exercises
    if os.path.lexists(folder / NOTEBOOK):
        return folder / NOTEBOOK
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    return notebooks[0] if len(notebooks) == 1 else folder


def discover(root: Path) -> list[Submission]:
    """One Submission per student folder, sorted by student id (shown printable: a folder name with
    control characters cannot reach a terminal, a CSV file or a Markdown page as such)."""
    if (root / "submitted").is_dir():  # pointed at an nbgrader course directory
        root = root / "submitted"
    return [
        Submission(printable(folder.name, 200), student_path(folder))
        for folder in sorted(root.iterdir())
        if folder.is_dir() and not folder.name.startswith(".")
    ]


# --- notebooks ---------------------------------------------------------------------------------

MAGIC = re.compile(r"^(\s*)([%!].*)$", re.M)


def _mapping(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _code_cells(notebook_path: Path) -> list[dict]:
    try:
        notebook = json.loads(read_regular(notebook_path, NOTEBOOK_CAP).decode("utf-8"))
        cells = notebook["cells"]
        assert isinstance(cells, list)
    except (OSError, ValueError, KeyError, TypeError, AssertionError, RecursionError, MemoryError) as exc:
        raise InvalidSubmission(
            "unreadable_notebook", printable(f"{type(exc).__name__}: {exc}", 200)
        ) from None
    code = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(map(str, source)) if isinstance(source, list) else str(source)
        meta = _mapping(_mapping(cell.get("metadata")).get("nbgrader"))
        if meta.get("grade") and not meta.get("solution"):
            continue  # a test cell: the grader runs its own checks
        code.append({"source": MAGIC.sub(r"\1# \2", source), "grade_id": str(meta.get("grade_id", ""))})
    return code


def _course_tool(node: ast.Import | ast.ImportFrom) -> bool:
    """An import of this package itself (the learner notebook's `from autograder.learner import
    check`): a tool of the notebook, not of an answer, and not importable where a step runs."""
    names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
    return any(name == "autograder" or name.startswith("autograder.") for name in names)


def _imports(cells: list[dict]) -> list[str]:
    """The notebook's top-level import statements, in order (answers rely on the setup cell's)."""
    lines: list[str] = []
    for cell in cells:
        try:
            tree = ast.parse(cell["source"])
            imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
            lines += [ast.unparse(n) for n in imports if not _course_tool(n)]
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # the step that holds this cell reports the error when it runs
    return lines


def _answers(cells: list[dict], step: Step) -> list[str]:
    defines = re.compile(rf"^def\s+({'|'.join(step.functions)})\s*\(", re.M)
    return [
        cell["source"]
        for cell in cells
        if cell["grade_id"].startswith(f"step{step.number}_") or defines.search(cell["source"])
    ]


def step_folder(submission: Submission, scratch: Path) -> Path:
    """The folder of the submission's step files: its own, or `scratch` filled from its notebook."""
    if submission.is_symlink:
        raise InvalidSubmission("symlink")
    if not submission.is_notebook:
        if not submission.files():
            raise InvalidSubmission("nothing_to_grade")
        return submission.path
    notebook_to_steps(submission.path, scratch)
    return scratch


def notebook_to_steps(notebook_path: Path, folder: Path) -> None:
    """Write the five step files of a notebook submission into `folder` (missing answers are left out)."""
    if notebook_path.is_symlink():
        raise InvalidSubmission("symlink")
    cells = _code_cells(notebook_path)
    header = "# Generated by keras-course grade from the notebook's answer cells.\n"
    imports = "\n".join(_imports(cells))
    folder.mkdir(parents=True, exist_ok=True)
    for step in STEPS:
        answers = _answers(cells, step)
        if answers:
            body = "\n\n\n".join(answers)
            (folder / step.filename).write_text(f"{header}{imports}\n\n\n{body}\n", encoding="utf-8")
