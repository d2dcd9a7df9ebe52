"""OUT/report.html, the class at a glance, and OUT/canvas.csv, the scores for Canvas's gradebook.

Every number comes from grades.json (parsed, passed in): what the class scored, which checks it
passed, each step's first ✗, who could not be run, step 4's verified loss curves, grading times.
The page is one self-contained file: inline CSS and SVG, a few lines of inline script to sort the
student table, nothing fetched (its Content-Security-Policy forbids it). Whatever a learner wrote
(folder names, messages) is escaped: it shows as text, never as markup.

Over 400 lines: the page's words in two languages are a third of it, and each section of the one
page is a short function of the same parsed grades.json.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from autograder.checks.judging import LABELS
from autograder.checks.registry import by_id
from autograder.checks.report import StepReport
from autograder.core import spec
from autograder.core.files import atomic_write, csv_cell, printable, shown
from autograder.core.steps import STEPS

TEXT = {
    "ko": {
        "title": "keras01 반 전체 보고서",
        "intro": "학생 {n}명, 만점 {max}점. 모든 숫자는 grades.json에서 나왔습니다.",
        "scores": "점수 분포",
        "histogram": "학생 {n}명의 총점 분포: 중앙값 {median}점, 평균 {mean}점 (만점 {max}점)",
        "bar": "{score}점: {count}명",
        "points": "총점",
        "students": "학생 수",
        "steps": "단계별 평균",
        "step": "단계",
        "average": "평균",
        "full": "만점인 학생",
        "checks": "검사별 통과 (어려운 것부터)",
        "checks_note": "k/N: 반 N명 중 k명이 통과했습니다.",
        "passed": "통과",
        "check": "검사",
        "kind": "종류",
        "public": "공개",
        "hidden": "숨은 검사",
        "mistakes": "단계마다 가장 흔한 첫 ✗",
        "mistakes_note": "학생마다 그 단계에서 처음 실패한 검사를, 검사가 찾은 것으로 묶었습니다. "
        "예시는 이름 없이 한 학생의 메시지입니다.",
        "no_mistake": "모두 통과했습니다.",
        "times": "{count}명",
        "time_one": "1명",
        "example": "예시 메시지",
        "not_run": "실행할 수 없었던 학생",
        "not_run_note": "채점기가 어떤 단계를 실행하지 못했습니다 (충돌, 시간 초과, 파일 없음, 샌드박스가 거부).",
        "nobody": "없습니다: 모든 학생의 모든 단계가 실행되었습니다.",
        "curves": "4단계 훈련 손실 곡선",
        "curves_note": "채점기가 다시 실행해 확인한 훈련만 그렸습니다: 곡선 {drawn}개 (학생 {n}명 중). "
        "빨간 점선이 통과 기준(MSE < {threshold:g})입니다.",
        "curves_label": "에포크별 훈련 손실 곡선 {drawn}개, 로그 눈금. 끝이 기준선 아래인 곡선 {below}개.",
        "no_curves": "확인된 훈련이 없어 그릴 곡선이 없습니다.",
        "epoch": "에포크",
        "loss": "손실 (MSE, 로그 눈금)",
        "line": "통과 기준 {threshold:g}",
        "final_passed": "4단계 최종 손실 통과",
        "final_failed": "4단계 최종 손실 실패",
        "run": "채점 정보",
        "seconds": "학생마다 걸린 시간",
        "seconds_value": "중앙값 {median} 초, 최대 {max} 초, 합계 {total} 초 (실제 경과 시간)",
        "no_seconds": "기록 없음",
        "grader": "채점기 버전",
        "seed": "시드",
        "versions": "TensorFlow/Keras/numpy",
        "table": "학생별 점수",
        "table_note": "열 제목을 누르면 정렬됩니다. 이름을 누르면 그 학생의 피드백이 열립니다.",
        "student": "학생",
        "total": "합계",
        "status": "상태",
        "time": "시간 (초)",
        "graded": "채점됨",
        "failed": "실패",
        "table_region": "학생별 점수 표 (가로로 스크롤)",
        "checks_region": "검사별 통과 표 (가로로 스크롤)",
        "step_label": "{step}단계",
        "canvas": "keras01 {step}단계: {title}",
    },
    "en": {
        "title": "keras01 class report",
        "intro": "{n} students, {max} points in all. Every number comes from grades.json.",
        "scores": "Score distribution",
        "histogram": "Total scores of {n} students: median {median}, mean {mean} (of {max} points)",
        "bar": "{score} points: {count} students",
        "points": "total points",
        "students": "students",
        "steps": "Average per step",
        "step": "step",
        "average": "average",
        "full": "full marks",
        "checks": "Checks passed, hardest first",
        "checks_note": "k/N: k of the class's N students passed.",
        "passed": "passed",
        "check": "check",
        "kind": "kind",
        "public": "public",
        "hidden": "hidden",
        "mistakes": "The most common first ✗ of each step",
        "mistakes_note": "Each student's first failed check in the step, grouped by what the check found; "
        "the example is one student's message, without their name.",
        "no_mistake": "Everyone passed.",
        "times": "{count} students",
        "time_one": "1 student",
        "example": "example message",
        "not_run": "Who could not be run",
        "not_run_note": "The grader could not run some step (a crash, a time-out, a missing file, "
        "refused by the sandbox).",
        "nobody": "Nobody: every step of every student ran.",
        "curves": "Step 4 training loss curves",
        "curves_note": "Verified training only (the grader's replay agreed): {drawn} curves (of {n} "
        "students). The red dashed line is the pass line (MSE < {threshold:g}).",
        "curves_label": "{drawn} training loss curves per epoch, log scale; {below} end under the pass line.",
        "no_curves": "No verified training: no curve to draw.",
        "epoch": "epoch",
        "loss": "loss (MSE, log scale)",
        "line": "pass line {threshold:g}",
        "final_passed": "passed step 4's final loss",
        "final_failed": "failed step 4's final loss",
        "run": "About this run",
        "seconds": "Grading time per student",
        "seconds_value": "median {median} s, longest {max} s, {total} s in all (wall clock)",
        "no_seconds": "not recorded",
        "grader": "grader version",
        "seed": "seed",
        "versions": "TensorFlow/Keras/numpy",
        "table": "Students",
        "table_note": "Sort by a column with its heading's button; a name opens that student's feedback.",
        "student": "student",
        "total": "total",
        "status": "status",
        "time": "time (s)",
        "graded": "graded",
        "failed": "failed",
        "table_region": "Students' scores (scrolls sideways)",
        "checks_region": "Checks passed (scrolls sideways)",
        "step_label": "step {step}",
        "canvas": "keras01 step {step}: {title}",
    },
}

MESSAGE_LIMIT = 600  # characters of an example message shown
GROUPS_SHOWN = 3  # first-✗ groups per step
CURVE_POINTS = 50  # points drawn per loss curve: the page stays small for a large class


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def name(student: str) -> str:
    """A student's folder name as the page shows it (escaped for display, then for HTML)."""
    return esc(shown(student))


# --- the numbers --------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckRow:
    id: str
    step: int
    title: str
    hidden: bool
    passed: int
    of: int


def maximum(grades: dict[str, Any]) -> int:
    return sum(int(v) for v in grades.get("steps", {}).values())


def check_rows(grades: dict[str, Any], lang: str) -> list[CheckRow]:
    """Every check in grades.json with how many students passed it, hardest first (then in step order)."""
    students = list(grades["students"].values())
    known = by_id()
    ids = list(dict.fromkeys(i for row in students for i in row.get("checks", {})))
    rows = []
    for order, check_id in enumerate(ids):
        check = known.get(check_id)
        passed = sum(row.get("checks", {}).get(check_id, 0) > 0 for row in students)
        step = check.step if check else int(re.sub(r"\D", "", check_id.split(".")[0]) or 0)
        title = check.title[lang] if check else check_id
        rows.append(
            (
                passed,
                step,
                order,
                CheckRow(check_id, step, title, bool(check and check.hidden), passed, len(students)),
            )
        )
    return [row for *_, row in sorted(rows, key=lambda r: r[:3])]


def histogram(grades: dict[str, Any]) -> list[tuple[int, int]]:
    """(score, students with that total) for every score from 0 to full marks."""
    top = maximum(grades)
    counts = Counter(min(max(int(row["total"]), 0), top) for row in grades["students"].values())
    return [(score, counts.get(score, 0)) for score in range(top + 1)]


def step_averages(grades: dict[str, Any]) -> list[tuple[int, float, int, int]]:
    """(step, average points, full marks, students with full marks) per step."""
    rows = list(grades["students"].values())
    out = []
    for step in STEPS:
        key, full = str(step.number), int(grades["steps"].get(str(step.number), 0))
        points = [row["steps"].get(key, 0) for row in rows]
        average = sum(points) / len(points) if points else 0.0
        out.append((step.number, average, full, sum(p == full for p in points)))
    return out


def split_message(message: str, check_id: str, lang: str) -> str:
    """One language's text of a failed check's message (grades.json keeps Korean, then English),
    without its `[id] title` line; "" for a submission that was not run at all (its message is
    only the reason, which "who could not be run" shows)."""
    cut = message.rfind(f"\n\n[{check_id}] ")
    part = (message[:cut] if lang == "ko" else message[cut + 2 :]) if cut >= 0 else message
    part = part.strip("\n")
    first, _, rest = part.partition("\n")
    return rest.strip("\n")


def found_text(body: str, lang: str) -> str:
    """What the check found (its Found line), or the whole text when it has none."""
    labels = LABELS[lang]
    match = re.search(
        rf"^{re.escape(labels['found'])}: (.*?)(?:\n{re.escape(labels['try'])}: |\Z)", body, re.S | re.M
    )
    return (match[1] if match else body).strip()


@dataclass(frozen=True)
class Mistake:
    check: str
    found: str
    count: int
    example: str


def first_mistakes(grades: dict[str, Any], lang: str) -> dict[int, list[Mistake]]:
    """Per step, the students' first failed check grouped by what it found, most common first."""
    groups: dict[int, dict[tuple[str, str], list[str]]] = {s.number: {} for s in STEPS}
    for student, row in grades["students"].items():
        for step in STEPS:
            prefix = f"step{step.number}."
            failed = next(
                (i for i, p in row.get("checks", {}).items() if i.startswith(prefix) and p <= 0), None
            )
            if failed is None:
                continue
            body = split_message(row.get("messages", {}).get(failed, ""), failed, lang)
            if not body:
                continue
            if len(student) >= 2:  # anonymous: a name the message happens to quote is cut out
                body = body.replace(student, "…")
            # Decimals differ from student to student (a loss, a prediction): not what sets a group apart.
            key = (failed, re.sub(r"\d+\.\d+(e[-+]?\d+)?", "#", found_text(body, lang)))
            groups[step.number].setdefault(key, []).append(body)
    return {
        step: sorted(
            (
                Mistake(check, found_text(bodies[0], lang), len(bodies), bodies[0])
                for (check, _), bodies in found.items()
            ),
            key=lambda m: -m.count,
        )
        for step, found in groups.items()
    }


def curves(grades: dict[str, Any]) -> list[tuple[str, list[float], bool]]:
    """(student, step 4's verified loss curve, passed the final-loss check) for each curve recorded."""
    out = []
    for student, row in grades["students"].items():
        values = [
            v for v in row.get("loss_curve", []) if isinstance(v, (int, float)) and math.isfinite(v) and v > 0
        ]
        if len(values) > 1:
            out.append((student, values, row.get("checks", {}).get("step4.final_loss", 0) > 0))
    return out


def versions_of(grader: str) -> tuple[str, str]:
    """('d588e96b524378bf', 'tensorflow 2.21.0, keras 3.15.1, numpy 2.4.6') from grades.json's grader."""
    match = re.fullmatch(r"(\S+) \((.*)\)", grader or "")
    return (match[1], match[2]) if match else (grader or "?", "?")


# --- the page -----------------------------------------------------------------------------------
CSS = """
:root{color-scheme:light;--ink:#1b1b1b;--muted:#4a4a4a;--line:#c8c8c8;--pass:#1f5fa8;--fail:#b3400a;--red:#b00020}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans KR","NanumGothic",sans-serif;color:var(--ink);background:#fff}
main{max-width:1100px;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1rem 0 .25rem}
p.note{color:var(--muted);margin:.25rem 0 .75rem}
figure{margin:0;max-width:760px}svg{width:100%;height:auto;display:block}svg text{fill:var(--ink);font-size:19px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
td.n,th.n{text-align:right}
th button{font:inherit;font-weight:bold;background:none;border:0;padding:0;color:var(--ink);cursor:pointer;text-decoration:underline dotted}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
code{font-size:.9em;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f4f4;padding:.5rem;margin:.25rem 0 1rem;font-size:.85rem}
.meter{display:inline-block;height:.7rem;background:var(--pass);vertical-align:middle}
.failed{color:var(--red);font-weight:bold}
.key{display:inline-block;width:1.5rem;height:.25rem;vertical-align:middle;margin:0 .3rem 0 .8rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}
a{color:#0b57b0}
@media (max-width:600px){main{padding:.5rem}th,td{padding:.25rem .3rem}dl{grid-template-columns:1fr}}
"""

# Sorts the student table by a column: numbers as numbers, names as text (each cell's data-sort).
SCRIPT = """
document.querySelectorAll("table[data-sortable]").forEach(function (table) {
  table.querySelectorAll("th button").forEach(function (button) {
    button.addEventListener("click", function () {
      var th = button.parentNode, column = th.cellIndex;
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th[aria-sort]").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].dataset.sort, y = b.cells[column].dataset.sort;
        var order = (x !== "" && y !== "" && !isNaN(x) && !isNaN(y)) ? x - y : x.localeCompare(y);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def histogram_svg(grades: dict[str, Any], text: dict[str, str]) -> str:
    bars = histogram(grades)
    totals = [row["total"] for row in grades["students"].values()] or [0]
    label = text["histogram"].format(
        n=len(grades["students"]),
        median=_number(statistics.median(totals)),
        mean=_number(round(statistics.mean(totals), 1)),
        max=maximum(grades),
    )
    width, height, left, bottom, top = 640, 260, 40, 40, 20
    tallest = max([count for _, count in bars] + [1])
    step = (width - left - 10) / len(bars)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="histogram-title">'
        f'<title id="histogram-title">{esc(label)}</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#1b1b1b"/>',
    ]
    plot = height - bottom - top
    for score, count in bars:
        x, h = left + score * step, plot * count / tallest
        parts.append(
            f'<rect class="bar" data-score="{score}" data-count="{count}" x="{x + 1:.1f}" '
            f'y="{height - bottom - h:.1f}" width="{max(step - 2, 1):.1f}" height="{h:.1f}" fill="#1f5fa8">'
            f"<title>{esc(text['bar'].format(score=score, count=count))}</title></rect>"
        )
        if count:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom - h - 4:.1f}" text-anchor="middle">{count}</text>'
            )
    every = 5 if len(bars) > 12 else 1
    for score, _ in bars[::every]:
        parts.append(
            f'<text x="{left + (score + 0.5) * step:.1f}" y="{height - bottom + 18}" text-anchor="middle">{score}</text>'
        )
    parts.append(
        f'<text x="{(width + left) / 2:.0f}" y="{height - 4}" text-anchor="middle">{esc(text["points"])}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _log_y(value: float, low: float, high: float, top: float, plot: float) -> float:
    return top + plot * (math.log10(high) - math.log10(value)) / (math.log10(high) - math.log10(low))


def _thinned(values: list[float]) -> list[tuple[int, float]]:
    """(epoch, loss) pairs, at most CURVE_POINTS of them, the first and last kept."""
    if len(values) <= CURVE_POINTS:
        return list(enumerate(values, 1))
    last = len(values) - 1
    picks = sorted({round(i * last / (CURVE_POINTS - 1)) for i in range(CURVE_POINTS)})
    return [(i + 1, values[i]) for i in picks]


def curves_svg(drawn: list[tuple[str, list[float], bool]], text: dict[str, str]) -> str:
    width, height, left, bottom, top, right = 640, 300, 56, 44, 14, 12
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, curve, _ in drawn for v in curve] + [spec.LOSS_THRESHOLD]
    low, high = 10 ** math.floor(math.log10(min(values))), 10 ** math.ceil(math.log10(max(values)))
    if low == high:
        high *= 10
    epochs = max(len(curve) for _, curve, _ in drawn)
    below = sum(curve[-1] < spec.LOSS_THRESHOLD for _, curve, _ in drawn)
    label = text["curves_label"].format(drawn=len(drawn), below=below)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="curves-title">'
        f'<title id="curves-title">{esc(label)}</title>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#c8c8c8"/>',
    ]
    exponent = round(math.log10(low))
    while 10**exponent <= high * 1.0001:
        y = _log_y(10**exponent, low, high, top, plot_h)
        parts.append(f'<text x="{left - 6}" y="{y + 5:.1f}" text-anchor="end">{10**exponent:g}</text>')
        exponent += 1
    for epoch in (1, epochs):
        x = left + plot_w * (epoch - 1) / max(epochs - 1, 1)
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle">{epoch}</text>')
    parts.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle">{esc(text["epoch"])}</text>'
    )
    for student, curve, passed in drawn:
        points = " ".join(
            f"{left + plot_w * (epoch - 1) / max(epochs - 1, 1):.1f},{_log_y(value, low, high, top, plot_h):.1f}"
            for epoch, value in _thinned(curve)
        )
        color = "#1f5fa8" if passed else "#b3400a"
        parts.append(
            f'<polyline class="curve" points="{points}" fill="none" stroke="{color}" stroke-opacity="0.6" '
            f'stroke-width="1.5"><title>{name(student)}</title></polyline>'
        )
    y = _log_y(spec.LOSS_THRESHOLD, low, high, top, plot_h)
    parts.append(
        f'<line class="pass-line" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
        f'stroke="#b00020" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _section(heading: str, anchor: str, *body: str) -> str:
    return (
        f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">{esc(heading)}</h2>{"".join(body)}</section>'
    )


def _scores(grades: dict[str, Any], text: dict[str, str], lang: str) -> str:
    rows = "".join(
        f'<tr data-step="{step}"><td>{esc(text["step_label"].format(step=step))} '
        f"{esc(STEPS[step - 1].title[lang])}</td>"
        f'<td class="n">{_number(round(average, 1))}/{full} '
        f'<span class="meter" style="width:{4 * average / full if full else 0:.1f}rem"></span></td>'
        f'<td class="n">{count}/{len(grades["students"])}</td></tr>'
        for step, average, full, count in step_averages(grades)
    )
    return _section(
        text["scores"],
        "scores",
        f"<figure>{histogram_svg(grades, text)}</figure>",
        f'<h3 id="steps">{esc(text["steps"])}</h3>',
        f'<table aria-labelledby="steps"><thead><tr><th scope="col">{esc(text["step"])}</th>'
        f'<th scope="col" class="n">{esc(text["average"])}</th>'
        f'<th scope="col" class="n">{esc(text["full"])}</th></tr></thead><tbody>{rows}</tbody></table>',
    )


def _checks(grades: dict[str, Any], text: dict[str, str], lang: str) -> str:
    rows = "".join(
        f'<tr data-check="{esc(row.id)}" data-passed="{row.passed}" data-of="{row.of}">'
        f'<td class="n">{row.passed}/{row.of}</td><td>{esc(row.title)}<br><code>{esc(row.id)}</code></td>'
        f"<td>{esc(text['hidden'] if row.hidden else text['public'])}</td></tr>"
        for row in check_rows(grades, lang)
    )
    return _section(
        text["checks"],
        "checks",
        f'<p class="note">{esc(text["checks_note"])}</p>',
        f'<div class="scroll" tabindex="0" role="region" aria-label="{esc(text["checks_region"])}">'
        f'<table id="check-table"><thead><tr><th scope="col" class="n">{esc(text["passed"])}</th>'
        f'<th scope="col">{esc(text["check"])}</th><th scope="col">{esc(text["kind"])}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>",
    )


def _mistakes(grades: dict[str, Any], text: dict[str, str], lang: str) -> str:
    known = by_id()
    body = []
    for step, found in first_mistakes(grades, lang).items():
        body.append(
            f"<h3>{esc(text['step_label'].format(step=step))} {esc(STEPS[step - 1].title[lang])}</h3>"
        )
        if not found:
            body.append(f"<p>{esc(text['no_mistake'])}</p>")
            continue
        items = []
        for mistake in found[:GROUPS_SHOWN]:
            title = known[mistake.check].title[lang] if mistake.check in known else mistake.check
            example = printable(mistake.example, MESSAGE_LIMIT, multiline=True)
            items.append(
                f'<li data-check="{esc(mistake.check)}" data-count="{mistake.count}">'
                f"<strong>{esc(text['time_one'] if mistake.count == 1 else text['times'].format(count=mistake.count))}</strong> ✗ {esc(title)} "
                f"(<code>{esc(mistake.check)}</code>)"
                f'<pre aria-label="{esc(text["example"])}">{esc(example)}</pre></li>'
            )
        body.append(f"<ul>{''.join(items)}</ul>")
    return _section(text["mistakes"], "mistakes", f'<p class="note">{esc(text["mistakes_note"])}</p>', *body)


def _not_run(grades: dict[str, Any], text: dict[str, str]) -> str:
    failed = [(s, row) for s, row in grades["students"].items() if row.get("status") == "failed"]
    if not failed:
        return _section(text["not_run"], "not-run", f"<p>{esc(text['nobody'])}</p>")
    items = "".join(
        f'<li data-student="{name(student)}"><strong>{name(student)}</strong><ul>'
        + "".join(f"<li>{esc(printable(reason, 300))}</li>" for reason in row.get("reasons", []))
        + "</ul></li>"
        for student, row in failed
    )
    return _section(
        text["not_run"], "not-run", f'<p class="note">{esc(text["not_run_note"])}</p><ul>{items}</ul>'
    )


def _curves(grades: dict[str, Any], text: dict[str, str]) -> str:
    drawn = curves(grades)
    note = text["curves_note"].format(
        drawn=len(drawn), n=len(grades["students"]), threshold=spec.LOSS_THRESHOLD
    )
    if not drawn:
        return _section(text["curves"], "curves", f"<p>{esc(text['no_curves'])}</p>")
    legend = (
        f'<p class="note"><span class="key" style="background:#1f5fa8"></span>{esc(text["final_passed"])}'
        f'<span class="key" style="background:#b3400a"></span>{esc(text["final_failed"])}'
        f'<span class="key" style="background:#b00020"></span>'
        f"{esc(text['line'].format(threshold=spec.LOSS_THRESHOLD))} · {esc(text['loss'])}</p>"
    )
    return _section(
        text["curves"],
        "curves",
        f'<p class="note">{esc(note)}</p>',
        f"<figure>{curves_svg(drawn, text)}</figure>",
        legend,
    )


def _run(grades: dict[str, Any], text: dict[str, str]) -> str:
    seconds = [float(v) for v in grades.get("seconds", {}).values()]
    timing = (
        text["seconds_value"].format(
            median=_number(round(statistics.median(seconds), 1)),
            max=_number(max(seconds)),
            total=_number(round(sum(seconds), 1)),
        )
        if seconds
        else text["no_seconds"]
    )
    grader, installed = versions_of(grades.get("grader", ""))
    items = (
        (text["seconds"], timing),
        (text["grader"], grader),
        (text["seed"], grades.get("seed", "?")),
        (text["versions"], installed),
    )
    rows = "".join(f"<dt>{esc(term)}</dt><dd>{esc(value)}</dd>" for term, value in items)
    return _section(text["run"], "run", f"<dl>{rows}</dl>")


def _feedback_link(student: str, out: Path | None) -> str | None:
    if out is None or not (out / "feedback" / student / "feedback.md").is_file():
        return None
    return f"feedback/{quote(student, safe='', errors='surrogateescape')}/feedback.md"


def _students(grades: dict[str, Any], out: Path | None, text: dict[str, str]) -> str:
    heads = [
        (text["student"], ""),
        *((text["step_label"].format(step=s.number), "n") for s in STEPS),
        (text["total"], "n"),
        (text["status"], ""),
        (text["time"], "n"),
    ]
    head = "".join(
        f'<th scope="col" class="{cls}"><button type="button">{esc(h)}</button></th>' for h, cls in heads
    )
    rows = []
    for student, row in grades["students"].items():
        link = _feedback_link(student, out)
        shown_name = f'<a href="{esc(link)}">{name(student)}</a>' if link else name(student)
        seconds = grades.get("seconds", {}).get(student)
        cells = [f'<th scope="row" data-sort="{name(student)}">{shown_name}</th>']
        cells += [
            f'<td class="n" data-sort="{row["steps"].get(str(s.number), 0)}">{row["steps"].get(str(s.number), 0)}</td>'
            for s in STEPS
        ]
        status = row.get("status", "")
        cells += [
            f'<td class="n" data-sort="{row["total"]}">{row["total"]}</td>',
            f'<td data-sort="{esc(status)}" class="{"failed" if status == "failed" else ""}">{esc(text.get(status, status))}</td>',
            f'<td class="n" data-sort="{"" if seconds is None else seconds}">{"–" if seconds is None else esc(seconds)}</td>',
        ]
        rows.append(f'<tr data-student="{name(student)}">{"".join(cells)}</tr>')
    return _section(
        text["table"],
        "students",
        f'<p class="note">{esc(text["table_note"])}</p>',
        f'<div class="scroll" tabindex="0" role="region" aria-label="{esc(text["table_region"])}">'
        f'<table id="student-table" data-sortable><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>',
    )


def build(grades: dict[str, Any], out: Path | None, lang: str) -> str:
    """The class report's HTML from parsed grades.json; `out` (the grade folder) for the feedback links."""
    text = TEXT[lang]
    intro = text["intro"].format(n=len(grades["students"]), max=maximum(grades))
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(text['title'])}</title><style>{CSS}</style></head>"
        f"<body><main><h1>{esc(text['title'])}</h1><p>{esc(intro)}</p>"
        + _scores(grades, text, lang)
        + _checks(grades, text, lang)
        + _mistakes(grades, text, lang)
        + _not_run(grades, text)
        + _curves(grades, text)
        + _students(grades, out, text)
        + _run(grades, text)
        + f"</main><script>{SCRIPT}</script></body></html>\n"
    )


def canvas_csv(grades: dict[str, Any], lang: str) -> str:
    """Canvas's gradebook import CSV: Student, ID, SIS User ID, SIS Login ID, Section, then one
    column per step, a "Points Possible" row first. A student is matched by SIS Login ID, which holds
    the submission's folder name (the one the instructor named it by); Canvas creates a step's
    assignment on import when the course has none of that name."""
    text = TEXT[lang]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    steps = [text["canvas"].format(step=s.number, title=s.title[lang]) for s in STEPS]
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *steps])
    writer.writerow(
        ["    Points Possible", "", "", "", "", *(grades["steps"].get(str(s.number), 0) for s in STEPS)]
    )
    for student, row in grades["students"].items():
        cell = csv_cell(shown(student))
        writer.writerow([cell, "", "", cell, "", *(row["steps"].get(str(s.number), 0) for s in STEPS)])
    return buffer.getvalue()


def write(grades: dict[str, Any], out: Path, lang: str) -> None:
    """OUT/report.html and OUT/canvas.csv."""
    atomic_write(out / "report.html", build(grades, out, lang))
    atomic_write(out / "canvas.csv", canvas_csv(grades, lang))


def verified_loss_curve(reports: list[StepReport]) -> list[float]:
    """Step 4's loss per epoch when the grader's replay verified the training (else none), at most
    spec.EPOCHS values (evenly picked, the last kept) to 4 significant digits: grades.json stays small."""
    step4 = next((r for r in reports if r.step.recompute == "replay"), None)
    if step4 is None or not step4.outcome.data.get("training", {}).get("verified"):
        return []
    curve = step4.outcome.data.get("loss_curve") or []
    values = [float(v) for v in curve if isinstance(v, (int, float)) and math.isfinite(v)]
    if len(values) > spec.EPOCHS:
        last = len(values) - 1
        values = [values[round(i * last / (spec.EPOCHS - 1))] for i in range(spec.EPOCHS)]
    return [float(f"{v:.4g}") for v in values]
