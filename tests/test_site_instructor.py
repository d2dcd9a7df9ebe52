"""The instructor guide tells the truth: what its prose says about the recorded nbgrader round and the
`keras-course grade` runs (docs/_snippets/generated/instructor.json, re-recorded by `make build`
whenever what it shows changes) is what that recording shows, and it names every setting there is."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from autograder.checks.registry import all_checks
from autograder.core.steps import STEPS
from sitegen import recordings, site_instructor

from conftest import ROOT
from leaks import HIDDEN, hidden_code, solution_regions

CHECKS = all_checks(include_hidden=True)
MAX = {str(step.number): sum(c.points for c in CHECKS if c.step == step.number) for step in STEPS}


@pytest.fixture(scope="module")
def recording() -> dict:
    return json.loads(recordings.INSTRUCTOR_JSON.read_text(encoding="utf-8"))


def guide(lang: str) -> str:
    """The instructor guide's pages in one language (docs/LANG/instructor/*.md), as written."""
    pages = sorted((ROOT / "docs" / lang / "instructor").glob("*.md"))
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def text(run: dict) -> str:
    return "\n".join(run["output"])


def submitters(recording: dict) -> list[str]:
    return [student for student, _ in recording["class"]]


def graded_notebooks(recording: dict) -> list[str]:
    return [student for student, plan in recording["class"] if plan != site_instructor.INVALID]


def test_the_class_is_the_sample_student_list(recording: dict) -> None:
    with open(ROOT / "course" / "students.csv", encoding="utf-8") as handle:
        students = {row["id"] for row in csv.DictReader(handle)}
    assert {*submitters(recording), recording["absent"]} == students
    assert recording["absent"] not in submitters(recording)


def test_autograde_warns_once_per_hidden_cell_and_reports_the_invalid_notebook(recording: dict) -> None:
    log = text(recording["nbgrader"]["autograde"])
    changed = re.findall(r"Attribute 'checksum' for cell (\w+) has changed!", log)
    hidden_cells = {c.id.replace(".", "_") for c in HIDDEN}
    assert set(changed) == hidden_cells  # only hidden test cells: the learners edited nothing else
    assert len(changed) == len(hidden_cells) * len(graded_notebooks(recording))
    assert "Overwriting files with master versions" in log
    assert "SAWarning: Object of type <SubmittedAssignment> not in session" in log
    # The course's config grades in the sandbox: a line per notebook, and no kernel (ipykernel) starts.
    for student in graded_notebooks(recording):
        assert f"Graded {student} in the sandbox: " in log, student
    assert "IPKernelApp" not in log
    assert "There was an error processing assignment 'keras01' for student 'hyunwoo'" in log
    assert "Removing failed assignment" in log
    assert recording["nbgrader"]["autograde"]["output"][-1] == "exit status: 1"


def test_learner_commands_say_what_the_guide_says(recording: dict) -> None:
    nb = recording["nbgrader"]
    assert "Creating exchange directory" in text(nb["release"])
    for run in [*nb["fetch"].values(), *nb["submit"].values()]:
        assert "--student=" in run["command"] and "--course=keras-course" in run["command"]
        assert "No nbgrader_config.py file found" in text(run)
    assert text(nb["validate_pass"]).endswith("Success! Your notebook passes all the tests.")
    failed = text(nb["validate_fail"])
    assert "VALIDATION FAILED ON" in failed and nb["validate_fail"]["output"][-1] == "exit status: 0"
    assert "Kernel is running over TCP without encryption" in failed
    collected = text(nb["collect"])
    if recording["as_root"]:  # one account submitted for everyone
        assert collected.count("cheating attempt?") == len(submitters(recording))


def test_feedback_shows_a_hidden_cell_as_a_call_and_never_the_judging_code(recording: dict) -> None:
    nb = recording["nbgrader"]
    cell = "\n".join(nb["feedback_cell"])
    check = site_instructor.FEEDBACK_CELL.replace("_", ".", 1)
    assert f'assert_check("{check}", globals())' in cell and "Score: 0.0 / 1.0" in cell
    for secret in [*hidden_code(), *solution_regions()]:
        assert secret not in cell
    files = {Path(p).name for p in nb["feedback_files"] if Path(p).suffix}
    assert files == {"keras01.html", "timestamp.txt", "submission_secret.txt"}  # nothing of source/


def export_scores(run: dict) -> dict[str, tuple[str, float]]:
    rows = csv.DictReader(line for line in run["output"] if not line.startswith("["))
    return {row["student_id"]: (row["timestamp"], float(row["score"])) for row in rows}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_both_graders_give_the_same_totals_and_grade_fills_the_gradebook(recording: dict, lang: str) -> None:
    graded = recording["grade"][lang]
    grades = json.loads(graded["json"])
    assert grades["steps"] == MAX
    students = grades["students"]
    assert set(students) == set(submitters(recording))
    autograde = export_scores(recording["nbgrader"]["export_csv"])
    after = export_scores(graded["export"])
    for student in graded_notebooks(recording):
        assert autograde[student][1] == after[student][1] == students[student]["total"], student
    assert students["minji"]["steps"] == MAX
    for step, points in students["junho"]["steps"].items():  # one mistake in every step
        assert 0 < points < MAX[step], (step, points)
    assert students["seoyeon"] == {**students["seoyeon"], "status": "graded", "total": 0}
    unreadable = {"ko": "읽을 수 없는 노트북", "en": "not a readable notebook"}[lang]
    assert students["hyunwoo"]["status"] == "failed" and unreadable in students["hyunwoo"]["reasons"][0]
    assert autograde[recording["absent"]] == ("", 0.0)  # listed, never submitted
    for student in submitters(recording):  # grade --nbgrader has nbgrader record the submission times
        assert after[student][0] == autograde[student][0] != "", student
    said = " ".join(text(graded["grade"]).split())
    autograded = len(graded_notebooks(recording))
    assert {"ko": f"nbgrader: 노트북 {autograded}개를", "en": f"nbgrader: {autograded} notebooks"}[
        lang
    ] in said
    assert graded["grade"]["output"][-1] == "exit status: 1"
    rerun = text(graded["rerun"])
    kept = {"ko": "{n}명은 제출물이 바뀌지 않아", "en": "{n} unchanged since the last run"}[lang]
    assert kept.format(n=len(submitters(recording))) in rerun and graded["rerun"]["status"] == 1
    assert "feedback/junho/loss.png" in text(graded["files"])


def test_the_learner_release_holds_nothing_secret(recording: dict) -> None:
    listed = text(recording["release"])
    assert "exercises/step1_data.py" in listed and "autograder/checks/public/step1.py" in listed
    assert "checks/hidden" not in listed and "calibrate" not in listed and "solutions" not in listed


def test_the_recording_has_no_path_of_this_machine(recording: dict) -> None:
    raw = recordings.INSTRUCTOR_JSON.read_text(encoding="utf-8")
    for path in ("/tmp/", str(ROOT), str(Path.home()), "/root/"):
        assert path not in raw, path


def test_the_recording_hides_every_random_submission_name(recording: dict) -> None:
    """nbgrader names a submission `student+assignment+time UTC+<12 URL-safe base64 characters>`;
    the guide shows them as Xs, also the ones that end in - or _ (one ended in -: it was shown)."""
    raw = recordings.INSTRUCTOR_JSON.read_text(encoding="utf-8")
    names = re.findall(r"UTC\+([A-Za-z0-9_-]+)", raw)
    assert names and set(names) == {"X" * 12}


def test_the_guide_counts_the_hidden_test_cells_as_nbgrader_does() -> None:
    for lang, count in (
        ("ko", f"숨은 테스트 셀 수({len(HIDDEN)}개)"),
        ("en", f"once per hidden test cell ({len(HIDDEN)})"),
    ):
        assert count in guide(lang), lang


def _settings(source: str) -> set[str]:
    return set(re.findall(r"KERAS_COURSE_[A-Z_]+", source))


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_guide_names_every_setting_with_its_default(lang: str) -> None:
    config = (ROOT / "course" / "nbgrader_config.py").read_text(encoding="utf-8")
    cli = (ROOT / "autograder" / "cli.py").read_text(encoding="utf-8")
    page = guide(lang)
    assert _settings(config) | _settings(cli) <= _settings(page)
    (timeout,) = re.findall(r'KERAS_COURSE_CELL_TIMEOUT", "(\d+)"', config)
    assert re.search(rf"`KERAS_COURSE_CELL_TIMEOUT` \| `{timeout}` \|", page)


# --- what is where: generated from the layout -------------------------------------------------------


def _layout_rows(lang: str) -> dict[str, list[str]]:
    from sitegen.instructor_page import layout_table

    rows = [line.strip("|").split(" | ") for line in layout_table(lang).splitlines()[2:]]
    return {cells[0].strip(" `"): [c.strip() for c in cells[1:]] for cells in rows}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_what_is_where_names_every_folder_and_measures_what_learners_get(lang: str) -> None:
    """A row per folder of the package, and the release column is what `keras-course release` wrote:
    the hidden checks, grading and the answers stay with the instructor, the public checks go."""
    from autograder.authoring import layout

    rows = _layout_rows(lang)
    for package in layout.packages():
        assert f"{package.folder.relative_to(ROOT).as_posix()}/" in rows
    released = {path: cells[-1] for path, cells in rows.items()}
    for path in ("solutions/", "autograder/checks/hidden/", "autograder/grading/", "sitegen/", "course/"):
        assert released[path] == "–", path
    for path in (
        "exercises/",
        "autograder/checks/public/",
        "autograder/sandbox/child/",
        "autograder/learner/",
    ):
        assert released[path] == "✓", path


def test_what_is_where_fails_for_a_folder_it_does_not_describe(tmp_path: Path) -> None:
    """A new folder in the package without a row in words.yml stops the build, naming the folder."""
    import shutil

    from autograder.authoring import layout
    from sitegen.instructor_page import layout_table

    copy = tmp_path / "autograder"
    shutil.copytree(layout.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for sibling in ("solutions", "exercises", "course", "docs", "sitegen"):  # the rows beside the package
        (tmp_path / sibling).symlink_to(ROOT / sibling)
    assert layout_table("en", package=copy)  # the copy as it is: every folder described
    (copy / "extra").mkdir()
    (copy / "extra" / "__init__.py").write_text('"""New.\n\nMay import: nothing\nLearner-facing: no\n"""\n')
    with pytest.raises(ValueError, match="autograder/extra/"):
        layout_table("en", package=copy)


def test_a_phrase_without_both_languages_stops_the_build(tmp_path: Path, monkeypatch) -> None:
    from sitegen import words

    words._groups.cache_clear()
    yml = tmp_path / "words.yml"
    yml.write_text('pages:\n  check:\n    ko: "검사"\n    en: "check"\n', encoding="utf-8")
    monkeypatch.setattr(words, "WORDS_YML", yml)
    assert words.words("pages", "ko") == {"check": "검사"}
    words._groups.cache_clear()
    yml.write_text('pages:\n  check:\n    ko: "검사"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="pages.check needs exactly ko, en"):
        words.words("pages", "en")
    words._groups.cache_clear()


MEASURED = {  # what sitegen/site_sizing.py records (the numbers of an earlier `make bench`)
    "shards": {
        **{"students": 9, "shards": 3, "workers": 2, "cores": 2, "load": 9.6, "counted_by": "cgroup"},
        **{"one_cpu": 88.2, "shard_cpu": 121.7, "per_submission": 9.8, "fixed": 16.75, "peak_mib": 416.0},
        **{"one_wall": 44.1, "shard_wall": 61.0},
    },
    "grappler": {"on": 3.46, "off": 2.21, "repeats": 3},
}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_sizing_table_and_the_time_to_grade_follow_from_the_measured_costs(lang: str) -> None:
    from sitegen import instructor_page

    text = instructor_page.sizing(lang, MEASURED)
    per, fixed = ("9.8 CPU초", "약 17 CPU초") if lang == "ko" else ("9.8 CPU s", "about 17 CPU s")
    assert per in text and fixed in text and "416 MiB" in text
    assert ("1.38배" if lang == "ko" else "1.38×") in text  # 121.7 / 88.2
    assert "9.6" in text and ("rusage" not in text)  # the load it was measured under, counted by cgroup
    # 17 s + 1,000 × 9.8 ÷ 8 = 1242 s: 21 min on one node; 10 nodes: 17 + 100 × 9.8 ÷ 8 = 140 s
    row = re.search(r"\| 1,000 \| (.+?) \| (.+?) \| (.+?) \|", text)
    assert row and [cell.rstrip("분min ") for cell in row.groups()] == ["21", "2.3", "0.5"]
    assert re.search(r"\| 10,000 \| 204", text)  # (16.75 + 10,000 × 9.8 ÷ 8) s = 204.4 min
    # 1 + 17 ÷ (n × 9.8) <= 1.1 from n = 18 submissions a shard
    assert ("약 18개 이상" if lang == "ko" else "from about 18 submissions a shard") in text
    rusage = {**MEASURED, "shards": {**MEASURED["shards"], "counted_by": "rusage"}}
    assert "rusage" in instructor_page.sizing(lang, rusage)
    assert "4.9" in instructor_page.pace(lang, MEASURED)  # 44.1 s for 9 submissions


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_guide_shows_the_recorded_sizing_and_grappler_numbers(lang: str) -> None:
    """The recording is what the benchmark measured, and the generated page shows that recording."""
    from sitegen import instructor_page

    measured = recordings.load(recordings.SIZING_JSON)
    shards, grappler = measured["shards"], measured["grappler"]
    assert shards["per_submission"] > 0 and shards["shard_cpu"] > shards["one_cpu"] > 0
    assert grappler["off"] < grappler["on"]  # the reason the children turn it off
    page = (ROOT / "docs" / "_snippets" / "generated" / lang / "instructor.md").read_text(encoding="utf-8")
    assert instructor_page.sizing(lang, measured) in page
    assert f"{grappler['on']:.1f}" in instructor_page.grappler_note(lang, measured) in page
    assert instructor_page.pace(lang, measured) in page
