"""The class report (OUT/report.html) and Canvas CSV (OUT/canvas.csv) that `grade` and `merge` write:
checked against grades.json on the held-out class that `one_run` grades once, then rendered in
Chromium in both languages (no request off the file, no console error, axe-core clean at 390 and
1280 px), with hostile student names, and after `merge` of shards made from that run."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_site import CHROMIUM, CHROMIUM_ARGS, WIDTHS, axe_violations

from autograder.core import spec
from autograder.core.files import shown
from autograder.core.steps import STEPS
from autograder.grading import class_report
from autograder.grading.shards import deal, part_dir, write_manifest

from cluster import keras_course

# On the worker that grades `one_run` for the shard tests: the class is graded once.
pytestmark = pytest.mark.xdist_group("grade-shards")

HOSTILE = ('<script>alert("x")</script>', '"onmouseover=alert(1) x="', "=HYPERLINK(1)", "-2+3", "@SUM(1)")


def grades_of(out: Path) -> dict:
    return json.loads((out / "grades.json").read_text(encoding="utf-8"))


def passed_counts(grades: dict) -> dict[str, int]:
    """How many students passed each check, counted straight from grades.json."""
    counts: Counter[str] = Counter()
    for row in grades["students"].values():
        counts.update({check: points > 0 for check, points in row["checks"].items()})
    return dict(counts)


def page_problems(page: str, grades: dict) -> list[str]:
    """Where the page's numbers differ from grades.json: every check's shown "k/N", the hardest check
    first, the histogram's bars (one per score, summing to N), one curve per verified training."""
    n = len(grades["students"])
    shown_counts = re.findall(r'<tr data-check="([^"]+)"[^>]*><td class="n">(\d+)/(\d+)</td>', page)
    problems = [
        f"{c}: {k}/{of}" for c, k, of in shown_counts if (int(k), int(of)) != (passed_counts(grades)[c], n)
    ]
    if sorted(c for c, *_ in shown_counts) != sorted(passed_counts(grades)):
        problems.append("not every check of grades.json is listed once")
    if shown_counts and int(shown_counts[0][1]) != min(passed_counts(grades).values()):
        problems.append(f"the first check ({shown_counts[0][0]}) is not the hardest")
    bars = {int(s): int(c) for s, c in re.findall(r'data-score="(\d+)" data-count="(\d+)"', page)}
    totals = Counter(row["total"] for row in grades["students"].values())
    if sum(bars.values()) != n or any(bars.get(score, 0) != count for score, count in totals.items()):
        problems.append(f"histogram {bars} is not the totals {dict(totals)}")
    verified = sum(len(row["loss_curve"]) > 1 for row in grades["students"].values())
    if page.count('<polyline class="curve"') != verified:
        problems.append(f"{page.count('<polyline')} curves drawn, {verified} verified trainings")
    return problems


# --- the numbers ----------------------------------------------------------------------------------
def test_the_page_grade_wrote_matches_grades_json(one_run):
    _, out = one_run
    grades, page = grades_of(out), (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page  # the run's language
    assert page_problems(page, grades) == []
    assert page == class_report.build(grades, out, "en")  # from grades.json alone


def test_a_page_with_a_wrong_count_or_order_fails_the_consistency_check(one_run):
    _, out = one_run
    grades, page = grades_of(out), (out / "report.html").read_text(encoding="utf-8")
    # the easiest check's row counted one more: still last, the hardest still first
    row = list(re.finditer(r'<tr data-check="([^"]+)"[^>]*><td class="n">(\d+)/(\d+)</td>', page))[-1]
    check, k, n = row.groups()
    wrong = page.replace(row[0], row[0].replace(f">{k}/{n}<", f">{int(k) + 1}/{n}<"), 1)
    assert page_problems(wrong, grades) == [f"{check}: {int(k) + 1}/{n}"]
    rows = re.findall(r'<tr data-check="[^"]+".*?</tr>', page)
    assert any(
        "not the hardest" in p
        for p in page_problems(page.replace(rows[0], "").replace(rows[-1], rows[-1] + rows[0]), grades)
    )
    bar = re.search(r'data-count="(\d+)"', page)
    assert page_problems(page.replace(bar[0], f'data-count="{int(bar[1]) + 1}"', 1), grades)


def test_grades_json_keeps_verified_loss_curves_times_and_seed(one_run):
    _, out = one_run
    grades = grades_of(out)
    students = grades["students"]
    assert grades["seed"] == spec.GRADER_SEED and sorted(grades["seconds"]) == sorted(students)
    assert all(isinstance(s, float) and s >= 0 for s in grades["seconds"].values())
    assert all(len(row["loss_curve"]) <= spec.EPOCHS for row in students.values())
    assert students["ana"]["loss_curve"][-1] < spec.LOSS_THRESHOLD < students["ana"]["loss_curve"][0]
    assert students["gus"]["loss_curve"] == [] and students["jay"]["loss_curve"] == []  # no training


def test_first_mistakes_are_counted_grouped_and_anonymous(one_run):
    _, out = one_run
    grades = grades_of(out)
    mistakes = class_report.first_mistakes(grades, "en")
    for step in STEPS:
        first = Counter()
        for row in grades["students"].values():
            ids = [i for i, p in row["checks"].items() if i.startswith(f"step{step.number}.") and p == 0]
            if ids and class_report.split_message(row["messages"][ids[0]], ids[0], "en"):
                first[ids[0]] += 1
        found = Counter()
        for mistake in mistakes[step.number]:
            found[mistake.check] += mistake.count
            assert "Expected" in mistake.example and "Found" in mistake.example
            assert not [s for s in grades["students"] if re.search(rf"\b{re.escape(s)}\b", mistake.example)]
        assert found == first, step.number
    assert any(m.check == "step1.y_equals_x" for m in mistakes[1])  # cho doubled y
    assert mistakes[1][0].count >= mistakes[1][-1].count


def test_who_could_not_be_run_and_the_run_are_shown(one_run):
    _, out = one_run
    grades, page = grades_of(out), (out / "report.html").read_text(encoding="utf-8")
    failed = sorted(s for s, row in grades["students"].items() if row["status"] == "failed")
    assert "jay" in failed
    section = page.split('id="not-run"')[1].split("</section>")[0]
    assert sorted(re.findall(r'<li data-student="([^"]+)"', section)) == failed
    assert grades["students"]["jay"]["reasons"][0] in section
    grader, installed = class_report.versions_of(grades["grader"])
    assert f"<dd>{grader}</dd>" in page and "tensorflow" in installed and f"<dd>{installed}</dd>" in page
    assert f"<dd>{spec.GRADER_SEED}</dd>" in page


def test_the_canvas_csv_has_canvas_columns_and_the_steps_points(one_run):
    _, out = one_run
    grades = grades_of(out)
    rows = list(csv.reader(io.StringIO((out / "canvas.csv").read_text(encoding="utf-8"))))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert len(rows[0]) == 5 + len(STEPS) and rows[0][5].startswith("keras01 step 1")
    assert rows[1][0].strip() == "Points Possible" and rows[1][5:] == [
        str(grades["steps"][str(s.number)]) for s in STEPS
    ]
    by_login = {row[3]: row[5:] for row in rows[2:]}
    assert by_login == {
        s: [str(r["steps"][str(n.number)]) for n in STEPS] for s, r in grades["students"].items()
    }


# --- hostile names --------------------------------------------------------------------------------
def hostile_grades(grades: dict) -> dict:
    """The class's grades with its students renamed to names a page or a spreadsheet could run."""
    hostile = copy.deepcopy(grades)
    names = dict(zip(list(grades["students"])[: len(HOSTILE)], HOSTILE))
    hostile["students"] = {names.get(s, s): row for s, row in grades["students"].items()}
    hostile["seconds"] = {names.get(s, s): t for s, t in grades["seconds"].items()}
    return hostile


def test_hostile_names_are_text_in_the_page_and_the_csv(one_run):
    _, out = one_run
    grades = hostile_grades(grades_of(out))
    page = class_report.build(grades, None, "en")
    assert "<script>alert" not in page and '"onmouseover=' not in page and page.count("<script>") == 1
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    cells = [row[i] for row in csv.reader(io.StringIO(class_report.canvas_csv(grades, "en"))) for i in (0, 3)]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert "'=HYPERLINK(1)" in cells and "'-2+3" in cells


# --- in Chromium ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def pages(one_run, tmp_path_factory) -> dict[str, Path]:
    """The report `grade` wrote (English), the same class's in Korean, and one with hostile names,
    each in a copy of OUT (so its links reach the feedback folders)."""
    _, out = one_run
    folder = tmp_path_factory.mktemp("report")
    shutil.copytree(out / "feedback", folder / "feedback")
    written = {"en": out / "report.html", "ko": folder / "report-ko.html", "hostile": folder / "hostile.html"}
    written["ko"].write_text(class_report.build(grades_of(out), folder, "ko"), encoding="utf-8")
    written["hostile"].write_text(
        class_report.build(hostile_grades(grades_of(out)), None, "ko"), encoding="utf-8"
    )
    return written


def open_page(browser: object, path: Path, width: int) -> tuple[object, object, dict[str, list[str]]]:
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    seen: dict[str, list[str]] = {"errors": [], "requests": [], "dialogs": []}
    tab.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    tab.on("pageerror", lambda e: seen["errors"].append(str(e)))
    tab.on("request", lambda r: seen["requests"].append(r.url))
    tab.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    tab.goto(path.as_uri(), wait_until="load")
    return context, tab, seen


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
@pytest.mark.parametrize("which", ["en", "ko", "hostile"])
def test_the_page_renders_offline_cleanly_and_accessibly(browser, pages, which, width):
    context, tab, seen = open_page(browser, pages[which], width)
    try:
        assert seen["requests"] == [pages[which].as_uri()]  # nothing but the file itself
        assert seen["errors"] == [] and seen["dialogs"] == []
        assert axe_violations(tab) == []
        overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page is {overflow} px wider than the {width} px window"
        assert tab.locator("html").get_attribute("lang") == ("en" if which == "en" else "ko")
        if which == "hostile":
            names = tab.locator("#student-table tbody th").all_inner_texts()
            assert set(map(shown, HOSTILE)) <= set(names)
    finally:
        context.close()


def test_the_student_table_sorts_and_links_to_feedback(browser, pages, one_run):
    _, out = one_run
    grades = grades_of(out)
    context, tab, seen = open_page(browser, pages["en"], 1280)
    try:
        tab.get_by_role("button", name="total").click()
        totals = [int(t) for t in tab.locator("#student-table tbody td:nth-child(7)").all_inner_texts()]
        assert totals == sorted(r["total"] for r in grades["students"].values())
        assert tab.locator("#student-table th:nth-child(7)").get_attribute("aria-sort") == "ascending"
        tab.get_by_role("button", name="total").click()
        assert [
            int(t) for t in tab.locator("#student-table tbody td:nth-child(7)").all_inner_texts()
        ] == totals[::-1]
        href = tab.get_by_role("link", name="ana", exact=True).get_attribute("href")
        assert (out / href).is_file() and href == "feedback/ana/feedback.md"
        assert seen["errors"] == []
    finally:
        context.close()


# --- after merge ----------------------------------------------------------------------------------
def test_merge_of_shards_writes_the_same_report(one_run, tmp_path):
    """Shards cut from the run's own OUT (as `grade --shard` writes them), merged by `keras-course merge`:
    the merged report and CSV are the run's, byte for byte (each student's time travels with them)."""
    _, out = one_run
    grades = grades_of(out)
    everyone = list(grades["students"])
    for shard in range(3):
        part, chosen = part_dir(tmp_path / "parts", shard, 3), deal(everyone, shard, 3)
        sliced = {**grades, "students": {s: grades["students"][s] for s in chosen}}
        sliced["seconds"] = {s: grades["seconds"][s] for s in chosen}
        part.mkdir(parents=True)
        (part / "grades.json").write_text(json.dumps(sliced, ensure_ascii=False), encoding="utf-8")
        for student in chosen:
            if (out / "feedback" / student).is_dir():
                shutil.copytree(out / "feedback" / student, part / "feedback" / student)
        write_manifest(part, shard, 3, everyone, chosen, grades["grader"], "en", finished=True)
    done = keras_course("merge", str(tmp_path / "parts"), "--out", str(tmp_path / "merged"), "--lang", "en")
    assert done.returncode == 1, done.stderr  # jay failed, as in the run
    assert f"{tmp_path / 'merged' / 'report.html'}" in done.stderr.replace("\n", "")
    for name in ("report.html", "canvas.csv"):
        assert (tmp_path / "merged" / name).read_bytes() == (out / name).read_bytes(), name
