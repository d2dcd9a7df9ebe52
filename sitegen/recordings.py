"""The site's recorded runs and figures: generated files too slow to remake on every `make check`.

Each is a Stamped target that records the fingerprint of everything it is made from (files by content,
and values), and `python -m sitegen.build` remakes it only when that fingerprint changes: the seeded
reference run, the learner's `keras-course check` runs (sitegen/site_capture.py), the instructor
guide's nbgrader and `grade` runs (sitegen/site_instructor.py) and sizing numbers
(sitegen/site_sizing.py), the seeded experiments
(sitegen/site_experiments.py), the figures (sitegen/site_figures.py) and the web font
(sitegen/site_font.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.core import spec
from autograder.core.steps import STEPS
from sitegen import site_font
from sitegen.markdown import SOURCE_NOTE

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GENERATED = DOCS / "_snippets" / "generated"
REFERENCE_JSON = GENERATED / "reference.json"
EXPERIMENTS_JSON = GENERATED / "experiments.json"
GLOSSARY = DOCS / "_snippets" / "glossary.yml"
INSTALL_SIZES = DOCS / "_snippets" / "install_sizes.json"
LEARNER_JSON = GENERATED / "learner.json"
INSTRUCTOR_JSON = GENERATED / "instructor.json"
SIZING_JSON = GENERATED / "sizing.json"
CALIBRATION_JSON = ROOT / "autograder" / "calibration.json"
HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent / "autograder"  # the grader whose words and runs the site shows


# --- build machinery for slow files -------------------------------------------------------------


@dataclass(frozen=True)
class Stamped:
    """A generated file too slow to remake on every `--check` (a TensorFlow run, a figure).

    It records the fingerprint of everything it is made from; `--check` compares fingerprints.
    """

    fingerprint: str
    make: Callable[[], bytes]
    stamp_of: Callable[[Path], str | None]

    def is_fresh(self, path: Path) -> bool:
        return self.stamp_of(path) == self.fingerprint


def fingerprint(paths: list[Path], *extra: str) -> str:
    """Hash of files (by content, line endings normalised) and values a generated file comes from."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") if path.exists() else b"<missing>")
    for item in extra:
        digest.update(item.encode())
    return digest.hexdigest()[:20]


def json_stamp(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, ValueError):
        return None


def _solution_files() -> list[Path]:
    return [ROOT / "solutions" / step.filename for step in STEPS]


def _exercise_files() -> list[Path]:
    return [ROOT / "exercises" / step.filename for step in STEPS]


# What each slow capture depends on. Not the runner's process plumbing (runner, sandbox, zygote):
# it moves data without changing a word of what learners read, and it changes often.
REFERENCE_SOURCES = [
    PACKAGE / "core" / "spec.py",
    PACKAGE / "core" / "reference.py",
    HERE / "site_capture.py",
    DOCS / "_snippets" / "keras2_tutorial.py",
]
EXPERIMENT_SOURCES = [
    PACKAGE / "core" / "spec.py",
    PACKAGE / "core" / "reference.py",
    HERE / "site_capture.py",
    HERE / "site_experiments.py",
]
CHECK_SOURCES = sorted((PACKAGE / "checks").rglob("*.py"))
LEARNER_SOURCES = [
    *(
        PACKAGE / name
        for name in ("checks/report.py", "core/steps.py", "core/spec.py", "sandbox/child/harness.py")
    ),
    HERE / "site_capture.py",
    *(p for p in CHECK_SOURCES if "hidden" not in p.parts),
]


# What the instructor guide's recording shows words of: the course, the grader's verdicts and reports,
# the commands' own output. Not the runner's plumbing (as above), nor the `keras-course` argument parser.
INSTRUCTOR_SOURCES = [
    HERE / "site_instructor.py",
    *(
        PACKAGE / name
        for name in (
            "sandbox/child/harness.py",
            "checks/report.py",
            "core/steps.py",
            "core/spec.py",
            "core/reference.py",
            "learner/kernel.py",
            "grading/grade.py",
            "grading/commands.py",
            "grading/feedback.py",
            "core/submissions.py",
            "grading/nbgrader_sync.py",
            "grading/nbgrader_autograde.py",
            "course/release.py",
            "course/layout.py",
        )
    ),
    *CHECK_SOURCES,
    *(p for p in sorted(PACKAGE.rglob("__init__.py")) if "checks" not in p.parts),  # the release's layout
    ROOT / "course" / "nbgrader_config.py",
    ROOT / "course" / "learner_nbgrader_config.json",
    ROOT / "course" / "students.csv",
    ROOT / "course" / "source" / "keras01" / "keras01.ipynb",
    ROOT / "exercises" / "README.md",
]


# What the sizing numbers measure: the grader's whole run (its processes, sandbox and checks), the
# answers it grades and the benchmark that times it.
SIZING_SOURCES = [
    HERE / "site_sizing.py",
    ROOT / "benchmarks" / "bench.py",
    *(
        path
        for folder in ("core", "checks", "grading", "sandbox")
        for path in sorted((PACKAGE / folder).rglob("*.py"))
    ),
    ROOT / "course" / "source" / "keras01" / "keras01.ipynb",
]


def _capture_file(data: dict[str, Any], stamp: str, what: str) -> bytes:
    payload = {"_comment": f"{what}; {SOURCE_NOTE}", "fingerprint": stamp, **data}
    return (json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def reference_target() -> Stamped:
    from sitegen import site_capture

    stamp = fingerprint(REFERENCE_SOURCES + _solution_files(), f"seed={spec.GRADER_SEED}")
    return Stamped(
        stamp,
        lambda: _capture_file(
            site_capture.reference_in_child(spec.GRADER_SEED), stamp, "a seeded reference run"
        ),
        json_stamp,
    )


def learner_target() -> Stamped:
    from sitegen import site_capture

    stamp = fingerprint(LEARNER_SOURCES + _solution_files() + _exercise_files())
    return Stamped(
        stamp,
        lambda: _capture_file(site_capture.learner_runs(), stamp, "keras-course check output"),
        json_stamp,
    )


def instructor_target() -> Stamped:
    from sitegen import site_capture, site_instructor

    mistakes = {f"{m.step}.{m.id}": m.bodies for m in site_capture.MISTAKES}
    junho = json.dumps({name: mistakes[name] for name in site_instructor.JUNHO_MISTAKES}, sort_keys=True)
    versions = json.dumps(site_instructor.versions(), sort_keys=True)
    stamp = fingerprint(INSTRUCTOR_SOURCES + _solution_files() + _exercise_files(), junho, versions)
    return Stamped(
        stamp,
        lambda: _capture_file(
            site_instructor.recording(), stamp, "the instructor guide's nbgrader and grade runs"
        ),
        json_stamp,
    )


def sizing_target() -> Stamped:
    from sitegen import site_sizing

    stamp = fingerprint(SIZING_SOURCES + _solution_files(), json.dumps(site_sizing.CLASS, sort_keys=True))
    return Stamped(
        stamp,
        lambda: _capture_file(site_sizing.sizing_run(), stamp, "the instructor guide's sizing numbers"),
        json_stamp,
    )


def experiments_target() -> Stamped:
    from sitegen import site_experiments

    sources = EXPERIMENT_SOURCES + site_experiments.try_files() + _solution_files()
    stamp = fingerprint(sources, f"seed={spec.GRADER_SEED}")
    return Stamped(
        stamp,
        lambda: _capture_file(
            site_experiments.experiments_in_child(spec.GRADER_SEED), stamp, "seeded experiments"
        ),
        json_stamp,
    )


def load(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise FileNotFoundError(f"{path.relative_to(ROOT)} is missing: run `make build`")
    return json.loads(path.read_text(encoding="utf-8"))


def figure_target(name: str, lang: str) -> Stamped:
    from sitegen import site_figures

    training = load(REFERENCE_JSON)["training"] if REFERENCE_JSON.exists() else {}
    # Only what is drawn: the run's log (timings) may change without the figure changing.
    drawn_from = json.dumps({k: training.get(k) for k in site_figures.DRAWN_FROM}, sort_keys=True)
    stamp = fingerprint([HERE / "site_figures.py", PACKAGE / "core" / "spec.py"], name, lang, drawn_from)
    note = {"Comment": f"{SOURCE_NOTE}; drawn from {REFERENCE_JSON.relative_to(ROOT)}", "Fingerprint": stamp}
    return Stamped(
        stamp,
        lambda: site_figures.render(name, training, lang, note),
        lambda path: site_figures.png_text(path).get("Fingerprint"),
    )


def font_target(face: site_font.Face) -> Stamped:
    """The site's Hangul web font (sitegen/site_font.py), made from a system font file."""
    return Stamped(site_font.fingerprint(face), lambda: site_font.make(face), site_font.stamp_of)
