"""Turn outcomes into verdicts, scores and what a learner reads: a table per step, or JSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from autograder.checks.judging import Verdict, in_notebook_words, judge
from autograder.checks.library import Check
from autograder.checks.registry import all_checks
from autograder.core.outcome import Outcome, Status
from autograder.core.steps import STEP_BY_NUMBER, Step


@dataclass(frozen=True)
class StepReport:
    step: Step
    outcome: Outcome
    verdicts: list[Verdict]

    @property
    def score(self) -> int:
        return sum(v.points for v in self.verdicts)

    @property
    def max(self) -> int:
        return sum(v.check.points for v in self.verdicts)

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def not_done(self) -> bool:
        return self.outcome.status == Status.NOT_DONE


def for_notebook(report: StepReport) -> StepReport:
    """The report as a notebook's learner reads it (autograder.checks.judging.in_notebook_words)."""
    return dataclasses.replace(report, verdicts=[in_notebook_words(v) for v in report.verdicts])


def assess(outcomes: list[Outcome], checks: list[Check] | None = None) -> list[StepReport]:
    checks = all_checks() if checks is None else checks
    return [
        StepReport(STEP_BY_NUMBER[o.step], o, [judge(c, o) for c in checks if c.step == o.step])
        for o in outcomes
    ]


SUMMARY = {
    "ko": "단계 {total}개 중 {passed}개 통과 ({score}/{max}점)",
    "en": "{passed} of {total} steps passed ({score}/{max} points)",
}
PUBLIC_ONLY = {
    "ko": "공개 검사의 점수입니다. 숨은 검사는 강사가 채점할 때 더해집니다 (--hidden은 숨은 검사가 설치된 곳에서만 실행됩니다).",
    "en": "These are the public checks' points; the hidden checks add theirs when your instructor grades "
    "(--hidden runs them where they are installed).",
}
HIDDEN_ALSO = {
    "ko": "통과한 단계에서 채점 때 숨은 검사가 더 보는 것:",
    "en": "What the hidden checks also look at in the steps you passed, when your instructor grades:",
}
STEP_LABEL = {"ko": "{step}단계", "en": "step {step}"}
NOT_DONE = {"ko": "아직 풀지 않음", "en": "not done yet"}
HIDDEN = {"ko": "숨은 검사", "en": "hidden"}


def hidden_also(steps: list[int], lang: str) -> list[str]:
    """What the hidden checks look at in these steps (their titles, from a learner's copy too)."""
    from autograder.checks.titles_of_hidden import HIDDEN_TITLES

    titles = [(step, t[lang]) for step in sorted(steps) for t in HIDDEN_TITLES.get(step, ())]
    if not titles:
        return []
    return [
        HIDDEN_ALSO[lang],
        *(f"  {STEP_LABEL[lang].format(step=step)}: {title}" for step, title in titles),
    ]


def summary(reports: list[StepReport], lang: str) -> str:
    return SUMMARY[lang].format(
        total=len(reports),
        passed=sum(r.passed for r in reports),
        score=sum(r.score for r in reports),
        max=sum(r.max for r in reports),
    )


def to_json(reports: list[StepReport], lang: str) -> dict[str, Any]:
    return {
        "lang": lang,
        "score": sum(r.score for r in reports),
        "max": sum(r.max for r in reports),
        "passed_steps": sum(r.passed for r in reports),
        "steps": [
            {
                "step": r.step.number,
                "title": r.step.title[lang],
                "passed": r.passed,
                "score": r.score,
                "max": r.max,
                "status": r.outcome.status,
                "seconds": round(r.outcome.seconds, 2),
                "output": r.outcome.output,
                "output_clipped": r.outcome.output_clipped,
                "checks": [
                    {
                        "id": v.check.id,
                        "passed": v.passed,
                        "points": v.points,
                        "max": v.check.points,
                        "hidden": v.check.hidden,
                        "skipped": v.skipped,
                        "message": v.message(lang),
                    }
                    for v in r.verdicts
                ],
            }
            for r in reports
        ],
        "summary": summary(reports, lang),
    }


def _cell_text(verdict: Verdict, lang: str) -> str:
    return f"[{verdict.check.id}] {verdict.check.title[lang]}\n{verdict.message(lang)}"


def cell_failure(verdict: Verdict) -> str:
    """What an nbgrader test cell says when its check failed: Korean first, then English (the kernel's
    CheckFailed and the sandboxed autograde write the same words)."""
    return f"\n{_cell_text(verdict, 'ko')}\n\n{_cell_text(verdict, 'en')}"


def cell_pass(check: Check) -> str:
    """The one line an nbgrader test cell prints when its check passed."""
    return f"✓ [{check.id}] {check.title['ko']} / {check.title['en']}"


OUTPUT = {
    "ko": "여러분의 코드가 출력한 것 ({shown})",
    "en": "What your code printed ({shown})",
}
OUTPUT_SHOWN = {
    "ko": {
        "all": "{n}줄",
        "last": "{n}줄 중 마지막 {shown}줄, 모두 보기: --output",
        "kept": "마지막 {shown}줄, 그 앞의 줄은 보관하지 않았습니다",
        "kept_last": "마지막 {shown}줄, 더 보기(마지막 {n}줄까지): --output",
    },
    "en": {
        "all": "{n} lines",
        "last": "last {shown} of {n} lines; all of them: --output",
        "kept": "the last {shown} lines; earlier ones were not kept",
        "kept_last": "the last {shown} lines; up to the last {n}: --output",
    },
}
FOLDED_LINES = 5  # of the learner's prints shown under a step unless `--output`


def _printed(outcome: Outcome, lang: str, all_lines: bool) -> Text | None:
    """The learner's own prints under the step, folded to the last lines (a fit prints 200)."""
    lines = outcome.output.splitlines()
    if not lines:
        return None
    kept = lines if all_lines else lines[-FOLDED_LINES:]
    if outcome.output_clipped:  # it printed more than the grader keeps: no total to give
        which = "kept" if len(kept) == len(lines) else "kept_last"
    else:
        which = "all" if len(kept) == len(lines) else "last"
    heading = OUTPUT[lang].format(shown=OUTPUT_SHOWN[lang][which].format(n=len(lines), shown=len(kept)))
    text = Text(heading, style="dim")
    for line in kept:
        text.append("\n│ " + line, style="dim")  # a Text: the learner's prints are never read as markup
    return text


def render(
    reports: list[StepReport],
    lang: str,
    console: Console | None = None,
    output: bool = False,
    lines: bool = True,
) -> None:
    """A table per step (what was expected, found, and what to try), the learner's prints under it
    (all of them with `output`), then the summary. `lines=False` draws no table lines: in a
    notebook's HTML the font may draw Hangul and the marks narrower or wider than their columns."""
    console = console or Console()
    for r in reports:
        mark = "[green]✓[/]" if r.passed else "[red]✗[/]"
        state = f" — {NOT_DONE[lang]}" if r.not_done else ""
        table = Table(
            title=f"{mark} {r.step.number}. {r.step.title[lang]}  {r.score}/{r.max}{state}",
            title_justify="left",
            show_header=False,
            box=box.HEAVY_HEAD if lines else None,  # rich's default (drawn square without a header)
            expand=True,
        )
        table.add_column(width=2)
        table.add_column(ratio=1, overflow="fold")  # wrap long hints; never cut them with "…"
        for v in r.verdicts:
            style = "green" if v.passed else "dim" if v.skipped else "red"
            # Text, not markup: a Found may quote the learner's own strings (an error message).
            row = Text(v.message(lang))
            if v.check.hidden:
                row.append(f" ({HIDDEN[lang]})", style="dim")
            table.add_row(Text(v.mark, style=style), row)
        console.print(table)
        if (printed := _printed(r.outcome, lang, output)) is not None:
            console.print(printed)
    console.print(f"[bold]{summary(reports, lang)}[/]")
    if not any(v.check.hidden for r in reports for v in r.verdicts):
        console.print(PUBLIC_ONLY[lang])
        for line in hidden_also([r.step.number for r in reports if r.passed], lang):
            console.print(Text(line, style="dim"))
