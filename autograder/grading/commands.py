"""The instructor's `keras-course grade`: progress while it runs, a summary table at the end."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from autograder.core.files import printable, shown
from autograder.core.steps import STEPS
from autograder.core.submissions import discover
from autograder.grading import versions
from autograder.grading.grade import GradeRun, StudentResult, grade_class, grader_version
from autograder.grading.shards import ShardError, deal, expand, merge, parse_shard, part_dir, write_manifest
from autograder.sandbox.launch import unavailable_reason

TEXT = {
    "ko": {
        "grading": "채점 중",
        "none": "제출물이 없습니다: {path}",
        "summary": "{graded}명 채점, {failed}명 실패 → {out}",
        "report": "반 전체 보고서: {report} (Canvas 성적부로 가져갈 CSV: {canvas})",
        "skipped": "{skipped}명은 제출물이 바뀌지 않아 지난 결과를 그대로 씁니다",
        "student": "학생",
        "total": "합계",
        "status": "상태",
        "graded": "채점됨",
        "failed": "실패",
        "no_sandbox": "샌드박스를 쓸 수 없어 채점하지 않습니다: {why}\n"
        "리눅스(또는 리눅스 컨테이너)에서 bubblewrap을 설치해 채점하거나, 위험을 알고 --no-sandbox를 주세요.",
        "unsandboxed": "주의: 샌드박스 없이 채점합니다 (--no-sandbox). 학생 코드가 이 컴퓨터에 닿을 수 있습니다.",
        "shard": "조각 {k}/{n}: 학생 {size}명 (전체 {total}명) → {out}",
        "shard_nbgrader": "--nbgrader는 조각마다가 아니라 merge에 주세요 (keras-course merge ... --nbgrader DIR).",
        "merged": "조각 {parts}개를 합쳤습니다: {graded}명 채점, {failed}명 실패 → {out}",
        "recorded": "nbgrader: 노트북 {n}개를 이 판정으로 자동 채점했습니다 (제출 시각, 늦은 제출 감점, {course}/autograded/); "
        "피드백: nbgrader generate_feedback {assignment}",
        "late": "늦게 낸 학생: {students}",
        "not_recorded": "nbgrader가 자동 채점하지 못한 제출물: {students}",
        "left_out": "성적부 명단에 없어 넣지 않은 학생 (nbgrader db student add로 더하세요): {students}",
        "no_nbgrader": "--nbgrader에는 nbgrader가 필요합니다 ({why}): pip install 'keras-course[nbgrader]'",
    },
    "en": {
        "grading": "grading",
        "none": "no submissions in {path}",
        "summary": "{graded} graded, {failed} failed → {out}",
        "report": "the class report: {report} (a CSV for Canvas's gradebook import: {canvas})",
        "skipped": "{skipped} unchanged since the last run: their results are kept, not run again",
        "student": "student",
        "total": "total",
        "status": "status",
        "graded": "graded",
        "failed": "failed",
        "no_sandbox": "not grading: the sandbox cannot run here: {why}\n"
        "Grade on Linux (or in a Linux container) with bubblewrap installed, or pass --no-sandbox "
        "knowing that learner code then reaches this machine.",
        "unsandboxed": "warning: grading without the sandbox (--no-sandbox): learner code can reach this machine.",
        "shard": "shard {k}/{n}: {size} students (of {total}) → {out}",
        "shard_nbgrader": "give --nbgrader to merge, not to each shard (keras-course merge ... --nbgrader DIR).",
        "merged": "merged {parts} parts: {graded} graded, {failed} failed → {out}",
        "recorded": "nbgrader: {n} notebooks autograded from these verdicts (submission times, late penalties, "
        "{course}/autograded/); feedback: nbgrader generate_feedback {assignment}",
        "late": "late: {students}",
        "not_recorded": "submissions nbgrader could not autograde: {students}",
        "left_out": "not in the gradebook's student list, so left out (add them with nbgrader db student add): {students}",
        "no_nbgrader": "--nbgrader needs nbgrader ({why}): pip install 'keras-course[nbgrader]'",
    },
}


def summary_table(run: GradeRun, lang: str) -> Table:
    text = TEXT[lang]
    table = Table(show_lines=False)
    table.add_column(text["student"])
    for step in STEPS:
        table.add_column(f"{step.number}", justify="right")
    table.add_column(text["total"], justify="right")
    table.add_column(text["status"])
    for result in run.results:
        steps = [str(result.steps.get(str(s.number), 0)) for s in STEPS]
        reason = f" ({result.reasons[0]})" if result.status == "failed" and result.reasons else ""
        status = Text(
            printable(text[result.status] + reason, 200), style="red" if result.status == "failed" else ""
        )
        table.add_row(Text(shown(result.student)), *steps, str(result.total), status)
    return table


def into_nbgrader(course: Path, out: Path, lang: str, console: Console) -> bool:
    """`--nbgrader COURSE_DIR`: the gradebook, then nbgrader's autograde from the same verdicts.
    False when the course cannot take them (said why)."""
    from autograder.core.submissions import ASSIGNMENT
    from autograder.grading.nbgrader_sync import GradebookError, sync_course

    text = TEXT[lang]
    try:
        recorded = sync_course(course, out)
    except GradebookError as exc:
        console.print(str(exc), style="red", markup=False)
        return False
    except ModuleNotFoundError as exc:  # the grader's image and Gradescope install no nbgrader
        console.print(text["no_nbgrader"].format(why=exc), style="red", markup=False)
        return False
    if recorded.submitted:
        said = text["recorded"].format(n=len(recorded.submitted), course=course, assignment=ASSIGNMENT)
        console.print(said, markup=False)
    late = [f"{shown(s)} ({seconds:.0f} s)" for s, (_, seconds) in recorded.submitted.items() if seconds > 0]
    if late:
        console.print(text["late"].format(students=", ".join(late)), markup=False)
    if recorded.left_out:
        left_out = ", ".join(shown(s) for s in recorded.left_out)
        console.print(text["left_out"].format(students=left_out), style="red", markup=False)
    if recorded.failed:
        failed = ", ".join(shown(s) for s in recorded.failed)
        console.print(text["not_recorded"].format(students=failed), style="red", markup=False)
        for line in recorded.errors:
            console.print(f"  {printable(line, 200)}", style="dim", markup=False)
    return True


def grade_command(args: argparse.Namespace) -> int:
    text = TEXT[args.lang]
    if not args.submissions.is_dir() or not discover(args.submissions):
        print(text["none"].format(path=args.submissions), file=sys.stderr)
        return 2
    console = Console(stderr=True)
    shard = None
    if args.shard:
        try:
            shard = parse_shard(args.shard, args.lang)
        except ShardError as exc:
            print(exc, file=sys.stderr)
            return 2
        if args.nbgrader:
            print(text["shard_nbgrader"], file=sys.stderr)
            return 2
    if args.no_sandbox:
        console.print(text["unsandboxed"], style="bold red")
    elif why := unavailable_reason():
        console.print(text["no_sandbox"].format(why=why), style="red", markup=False)
        return 2
    if warning := versions.mismatch_warning(args.lang):  # graded all the same: the instructor decides
        console.print(warning, style="bold red", markup=False)
    everyone = [s.student for s in discover(args.submissions)]
    chosen, out = None, args.out
    if shard:
        chosen, out = deal(everyone, *shard), part_dir(args.out, *shard)
        console.print(
            text["shard"].format(k=shard[0], n=shard[1], size=len(chosen), total=len(everyone), out=out)
        )
        write_manifest(out, *shard, everyone, chosen, grader_version(), args.lang, finished=False)
    total = len(chosen if chosen is not None else everyone)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(text["grading"], total=total)

        def advance(result: StudentResult | None) -> None:
            progress.advance(task)

        run = grade_class(
            args.submissions,
            out,
            args.workers,
            args.timeout,
            args.lang,
            args.force,
            on_student=advance,
            sandboxed=not args.no_sandbox,
            students=chosen,
        )
    if shard:
        assert chosen is not None  # dealt with the shard above
        write_manifest(out, *shard, everyone, chosen, grader_version(), args.lang, finished=True)
    synced = into_nbgrader(args.nbgrader, args.out, args.lang, console) if args.nbgrader else True
    console.print(summary_table(run, args.lang))
    if run.skipped:
        console.print(text["skipped"].format(skipped=len(run.skipped)))
    graded = len(run.results) - len(run.failed)
    console.print(text["summary"].format(graded=graded, failed=len(run.failed), out=out))
    console.print(text["report"].format(report=out / "report.html", canvas=out / "canvas.csv"), markup=False)
    if not synced:
        return 2  # the grades are in OUT; the course could not take them
    # A shard that finished did its task (its failed submissions are recorded): 0, so the job array
    # marks it COMPLETED; `merge` then exits 1 when any submission of the class failed, as `grade` does.
    return 1 if run.failed and not shard else 0


def merge_command(args: argparse.Namespace) -> int:
    """`keras-course merge PART... --out OUT [--nbgrader COURSE_DIR]`: see autograder/grading/shards.py."""
    text = TEXT[args.lang]
    try:
        grades = merge(args.parts, args.out, args.lang)
    except ShardError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.nbgrader and not into_nbgrader(args.nbgrader, args.out, args.lang, Console(stderr=True)):
        return 2
    rows = grades["students"].values()
    failed = sum(row["status"] == "failed" for row in rows)
    parts = len(expand(args.parts))
    Console(stderr=True).print(
        text["merged"].format(parts=parts, graded=len(rows) - failed, failed=failed, out=args.out)
    )
    report, canvas = args.out / "report.html", args.out / "canvas.csv"
    Console(stderr=True).print(text["report"].format(report=report, canvas=canvas), markup=False)
    return 1 if failed else 0
