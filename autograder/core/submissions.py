"""Find a class's submissions, take a snapshot of each, and turn it into a folder of the five step files.

A student folder holds either the `.py` route's step files (or a repository with them in `exercises/`)
or a notebook (`keras01.ipynb`, or the only `.ipynb` there). nbgrader's layout, `submitted/<student>/keras01/`, is accepted too.
A student is keyed by the exact name of their folder (autograder.core.files.shown escapes it for display).

`grade` grades a snapshot: the files are copied once into the grader's scratch folder and hashed as they
are copied, so the fingerprint a rerun compares is the hash of the very bytes graded, whatever the
learner's folder holds later. A notebook becomes step files in a limited child process
(autograder.core.notebooks): its answer cells' definitions and imports, not the lines that try them.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.files import STEP_FILE_CAP, NotRegularFile, copy_regular, printable
from autograder.core.notebooks import NOTEBOOK_CAP, NotebookProblem, convert
from autograder.core.steps import STEPS

ASSIGNMENT = "keras01"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


class InvalidSubmission(ValueError):
    """A submission that cannot be turned into step files; `reason(lang)` is shown to the instructor.
    `final` is False when the cause may be the machine's (a time-out): a rerun tries it again."""

    REASONS = {
        "unreadable_notebook": {"ko": "읽을 수 없는 노트북", "en": "not a readable notebook"},
        "notebook_too_large": {
            "ko": "노트북이 채점기가 읽는 한도를 넘음",
            "en": "the notebook is over the limits the grader reads within",
        },
        "notebook_timeout": {
            "ko": "노트북을 제시간에 읽지 못함 (다시 채점하면 다시 시도)",
            "en": "the notebook could not be read in time (a rerun tries again)",
        },
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
        self.kind = kind if kind in self.REASONS else "unreadable_notebook"
        self.detail = detail

    @property
    def final(self) -> bool:
        return self.kind != "notebook_timeout"

    def reason(self, lang: str = "en") -> str:
        text = self.REASONS[self.kind][lang]
        return f"{text} ({self.detail})" if self.detail else text

    def __str__(self) -> str:
        return self.reason("en")


@dataclass(frozen=True)
class Submission:
    student: str  # the exact name of the student's folder
    path: Path  # the folder of step files, or the notebook file

    @property
    def is_notebook(self) -> bool:
        return self.path.suffix == ".ipynb"

    def files(self) -> list[Path]:
        """The files to grade (a step file that is a symlink is listed: its step says why it is refused)."""
        if self.is_notebook:
            return [self.path]
        return [self.path / s.filename for s in STEPS if os.path.lexists(self.path / s.filename)]

    @property
    def is_symlink(self) -> bool:
        return self.path.is_symlink()

    def snapshot(self, scratch: Path) -> Snapshot:
        """Copy the submission's files into `scratch` (an empty folder of the grader's), hashing the
        bytes as they are copied; nothing is read from the learner's folder after this."""
        scratch.mkdir(parents=True, exist_ok=True)
        if self.is_symlink:
            return Snapshot(scratch, _digest("symlink"), invalid=InvalidSubmission("symlink"))
        if self.is_notebook:
            copy = scratch / NOTEBOOK_COPY
            try:
                digest = copy_regular(self.path, copy, NOTEBOOK_CAP)
            except NotRegularFile as exc:
                kind = "symlink" if "symbolic link" in str(exc) else "unreadable_notebook"
                problem = InvalidSubmission(kind, "" if kind == "symlink" else printable(str(exc), 200))
                return Snapshot(scratch, _digest(f"notebook {exc}"), invalid=problem)
            except OSError as exc:
                problem = InvalidSubmission("unreadable_notebook", printable(str(exc), 200))
                return Snapshot(scratch, _digest(f"notebook {exc}"), invalid=problem)
            return Snapshot(scratch, _digest(f"notebook {digest}"), notebook=copy)
        lines, refused = [], {}
        for file in self.files():
            try:
                lines.append(f"{file.name} {copy_regular(file, scratch / file.name, STEP_FILE_CAP)}")
            except FileNotFoundError:
                continue  # gone since it was listed: missing, as if never there
            except OSError as exc:
                refused[file.name] = printable(
                    str(exc) if isinstance(exc, NotRegularFile) else _why(exc), 200
                )
                lines.append(f"{file.name} refused {refused[file.name]}")
        if not lines:
            return Snapshot(scratch, _digest("nothing"), invalid=InvalidSubmission("nothing_to_grade"))
        return Snapshot(scratch, _digest("\n".join(lines)), refused=refused)


NOTEBOOK_COPY = "submitted.ipynb"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _why(exc: OSError) -> str:
    return f"{type(exc).__name__}: {exc.strerror}"


@dataclass(frozen=True)
class Snapshot:
    """A submission as the grader copied it: `folder` holds the step files (or the notebook's copy),
    `digest` is the hash of exactly those bytes; `refused` names the step files that were not copied
    and why (a symlink, a FIFO, too large), `invalid` a submission with nothing to grade."""

    folder: Path
    digest: str
    refused: dict[str, str] = field(default_factory=dict)
    notebook: Path | None = None
    invalid: InvalidSubmission | None = None

    def content_hash(self) -> str:
        return self.digest

    def step_folder(self) -> Path:
        """The folder of the step files to grade (a notebook's are made now); InvalidSubmission when
        there are none."""
        if self.invalid is not None:
            raise self.invalid
        if self.notebook is not None:
            notebook_to_steps(self.notebook, self.folder)
            self.notebook.unlink(missing_ok=True)
        return self.folder


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


def step_files_folder() -> Path | None:
    """Where a learner's command looks with no folder given: exercises/ from the course folder, or
    this folder when it holds the step files itself (the learner is inside exercises/); an exercises/
    folder emptied of them is still checked (every step then says its file is missing). None: no
    such folder here."""
    here, exercises = Path("."), Path("exercises")
    for folder in (exercises, here):
        if any((folder / step.filename).is_file() for step in STEPS):
            return folder
    return exercises if exercises.is_dir() else None


def discover(root: Path) -> list[Submission]:
    """One Submission per student folder, sorted by student id: the folder's exact name, so no two
    folders are ever one student (a name is escaped only where it is shown)."""
    if (root / "submitted").is_dir():  # pointed at an nbgrader course directory
        root = root / "submitted"
    return [
        Submission(folder.name, student_path(folder))
        for folder in sorted(root.iterdir())
        if folder.is_dir() and not folder.name.startswith(".")
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
    """Write the five step files of a notebook submission into `folder` (missing answers are left out),
    from a limited child process (autograder.core.notebooks)."""
    if notebook_path.is_symlink():
        raise InvalidSubmission("symlink")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        convert(notebook_path, folder)
    except NotebookProblem as exc:
        raise InvalidSubmission(exc.kind, exc.detail) from None
