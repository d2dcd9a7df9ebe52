"""Write `keras-course grade` scores into an nbgrader course's gradebook (`--nbgrader COURSE_DIR`).

Each check is one autograded test cell of keras01.ipynb (cell id = check id with '.' -> '_'), so a
check's points become that cell's score; `nbgrader export` and formgrader then show them. Students
whose notebook is in the course's submitted/ are autograded by nbgrader itself from grade's verdicts
(autograder.grading.nbgrader_autograde.record_in_course): their scores, submission times, late
penalties and the autograded notebooks that `nbgrader generate_feedback` reads, as `nbgrader
autograde` leaves them; the points of the others (step files, a notebook nbgrader cannot read) are
written directly.
Like autograde, this follows the course's `Autograde.create_student`: where it is False (this
course's config), a student missing from the gradebook is left out and named, not added.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.core.submissions import ASSIGNMENT

if TYPE_CHECKING:
    from traitlets.config import Config

    from autograder.grading.nbgrader_autograde import Recorded


class GradebookError(RuntimeError):
    """The course's gradebook cannot take the scores (its message says what to do)."""


def course_config(course_dir: Path) -> Config:
    """The course's nbgrader_config.py, as nbgrader loads it."""
    from traitlets.config.loader import PyFileConfigLoader

    if not (Path(course_dir) / "nbgrader_config.py").is_file():
        raise GradebookError(f"{course_dir} is not an nbgrader course: it has no nbgrader_config.py")
    return PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()


def course_db_url(course_dir: Path) -> str:
    """The gradebook URL as the course's own nbgrader_config.py sets it."""
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=course_config(course_dir), root=str(course_dir)).db_url


def write_gradebook(
    course_dir: Path, out: Path, assignment: str = ASSIGNMENT, only: Collection[str] | None = None
) -> list[str]:
    """Store the per-check points of every graded student (or of those in `only`); returns the
    students left out (not in the gradebook of a course that grades only its own students)."""
    from nbgrader.api import Gradebook, MissingEntry

    students = json.loads((out / "grades.json").read_text(encoding="utf-8"))["students"]
    create = bool(course_config(course_dir).Autograde.get("create_student", True))
    left_out = []
    with Gradebook(course_db_url(course_dir)) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradebookError(
                f"{assignment} is not in the gradebook yet: run `nbgrader generate_assignment {assignment}` "
                f"in {course_dir} first"
            ) from None
        for student, row in students.items():
            try:
                gradebook.find_student(student)
            except MissingEntry:
                if not create:
                    left_out.append(student)
                    continue
                gradebook.update_or_create_student(student)
            if only is not None and student not in only:
                continue
            try:
                gradebook.find_submission(assignment, student)
            except MissingEntry:
                gradebook.add_submission(assignment, student)
            for check_id, points in row.get("checks", {}).items():
                grade = gradebook.find_grade(check_id.replace(".", "_"), assignment, assignment, student)
                grade.auto_score = float(points)
                grade.needs_manual_grade = False
            gradebook.db.commit()
    return left_out


def sync_course(course_dir: Path, out: Path, assignment: str = ASSIGNMENT) -> Recorded:
    """nbgrader's own autograde of the submitted notebooks from grade's verdicts (their scores, times
    and late penalties), then the points of everyone else grade graded into the gradebook."""
    from sqlalchemy.exc import SAWarning

    from autograder.grading.nbgrader_autograde import record_in_course

    with warnings.catch_warnings():
        # SQLAlchemy's "not in session" warnings from inside nbgrader 0.9.6: noise, not about grades.
        warnings.simplefilter("ignore", SAWarning)
        left_out = write_gradebook(course_dir, out, assignment, only=())  # the roster only
        students = json.loads((out / "grades.json").read_text(encoding="utf-8"))["students"]
        kept = {student: row for student, row in students.items() if student not in left_out}
        recorded = record_in_course(course_dir, course_config(course_dir), kept, assignment)
        rest = [student for student in kept if student not in recorded.submitted]
        write_gradebook(course_dir, out, assignment, only=rest)
    recorded.left_out = left_out
    return recorded
