"""`keras-course gradescope SUBMISSION --results PATH`: one submission graded as Gradescope asks.

Gradescope's `run_autograder` (course/gradescope/run_autograder) calls this with the learner's upload
in /autograder/submission. The upload may be the five step files, a repository with them under
`exercises/`, or the course notebook. Every check, hidden ones included, is one entry of `tests` in
the results.json of Gradescope's autograder specification, judged by autograder.checks.judging.judge like
every other grader; hidden checks are shown to learners only as `--hidden-visibility` says.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from autograder.checks.judging import Verdict
from autograder.checks.registry import all_checks
from autograder.checks.report import StepReport, assess, summary
from autograder.core.files import atomic_write
from autograder.core.steps import STEPS
from autograder.core.submissions import InvalidSubmission, Submission, step_folder, student_path
from autograder.sandbox.child.contract import Limits
from autograder.sandbox.launch import unavailable_reason
from autograder.sandbox.runner import run_steps, start_runner

TEXT = {
    "ko": {
        "unsandboxed": "샌드박스를 쓸 수 없어 제한(시간, 메모리)만 두고 실행했습니다: {why}",
        "invalid": "채점할 수 없는 제출물: {reason}",
    },
    "en": {
        "unsandboxed": "the sandbox cannot run here, so learner code ran with limits (time, memory) only: {why}",
        "invalid": "this submission cannot be graded: {reason}",
    },
}


def _test(verdict: Verdict, number: str, lang: str, hidden_visibility: str) -> dict[str, Any]:
    check = verdict.check
    return {
        "name": f"{check.id}: {check.title[lang]}",
        "number": number,
        "score": float(verdict.points),
        "max_score": float(check.points),
        "status": "passed" if verdict.passed else "failed",
        "output": "" if verdict.passed else verdict.message(lang),
        "visibility": hidden_visibility if check.hidden else "visible",
    }


def results(
    reports: list[StepReport], lang: str, hidden_visibility: str, seconds: float, notes: list[str]
) -> dict[str, Any]:
    """Gradescope's results.json: top-level score, then one test per check in step order."""
    tests = []
    for report in reports:
        for index, verdict in enumerate(report.verdicts, start=1):
            tests.append(_test(verdict, f"{report.step.number}.{index}", lang, hidden_visibility))
    return {
        "score": float(sum(t["score"] for t in tests)),
        "execution_time": round(seconds),
        "output": "\n".join([*notes, summary(reports, lang)]),
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def invalid_results(reason: str, lang: str, hidden_visibility: str) -> dict[str, Any]:
    """Every check failed with the reason the upload could not be graded."""
    message = TEXT[lang]["invalid"].format(reason=reason)
    tests = []
    for step in STEPS:
        ours = [c for c in all_checks() if c.step == step.number]
        for index, check in enumerate(ours, start=1):
            verdict = Verdict(check, False, {"ko": message, "en": message})
            tests.append(_test(verdict, f"{step.number}.{index}", lang, hidden_visibility))
    return {"score": 0.0, "output": message, "stdout_visibility": "hidden", "tests": tests}


def grade_upload(
    upload: Path, lang: str = "ko", hidden_visibility: str = "after_published"
) -> dict[str, Any]:
    """Grade one upload in sandboxed children (limits only where the sandbox cannot run)."""
    started = time.perf_counter()
    notes = []
    if why := unavailable_reason():
        notes.append(TEXT[lang]["unsandboxed"].format(why=why))
    with tempfile.TemporaryDirectory(prefix="keras-course-gradescope-") as scratch:
        try:
            folder = step_folder(Submission("submission", student_path(upload)), Path(scratch))
        except InvalidSubmission as exc:
            return invalid_results(exc.reason(lang), lang, hidden_visibility)
        with start_runner() as runner:
            outcomes = run_steps(folder, STEPS, limits=Limits(), zygote=runner)
    reports = assess(outcomes, all_checks(include_hidden=True))
    return results(reports, lang, hidden_visibility, time.perf_counter() - started, notes)


def gradescope_command(args: argparse.Namespace) -> int:
    data = grade_upload(args.submission, args.lang, args.hidden_visibility)
    atomic_write(args.results, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    print(data["output"])
    return 0
