"""What learners and instructors read: never cut, one language per run, the pass line on the plot."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pexpect
import pytest
from rich.console import Console

from autograder.checks.judging import CALL_HINTS, LABELS, WAITING, Verdict
from autograder.checks.library import found
from autograder.checks.registry import all_checks
from autograder.checks.report import StepReport, render, summary
from autograder.core import spec
from autograder.core.outcome import Outcome
from autograder.core.steps import STEPS
from autograder.grading import feedback
from autograder.grading.commands import summary_table
from autograder.grading.grade import Gradebook, GradeRun, StudentResult
from autograder.sandbox.child import contract
from autograder.sandbox.results import OUTPUT_LINES_CAP, enclosing_loop, learner_output

from answers import MUTANTS, Answer, fill, write_submission
from terminal import ANSI, Terminal

PUBLIC = all_checks(include_hidden=False)


def reports(passed: bool) -> list[StepReport]:
    return [
        StepReport(
            step,
            Outcome(step=step.number, status="ok"),
            [
                Verdict(c, passed, found("np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])"))
                for c in PUBLIC
                if c.step == step.number
            ],
        )
        for step in STEPS
    ]


def rendered(lang: str, width: int, passed: bool = False) -> str:
    buffer = io.StringIO()
    render(reports(passed), lang, Console(file=buffer, width=width, color_system=None))
    return buffer.getvalue()


def test_a_narrow_terminal_wraps_every_message_and_cuts_none():
    for lang in ("ko", "en"):
        text = rendered(lang, 50)
        assert "…" not in text
        joined = "".join(text.split()).replace("│", "")
        for check in PUBLIC:
            assert "".join(check.hint[lang].split()) in joined, check.id
        assert "np.array([1,2,3,4,5,6,7,8,9,10,11,12])" in joined


def test_the_summary_counts_steps_in_words_and_says_the_hidden_checks_are_extra():
    n, points = len(STEPS), sum(c.points for c in PUBLIC)  # 5 steps, 19 public points today
    assert summary(reports(True), "ko") == f"단계 {n}개 중 {n}개 통과 ({points}/{points}점)"
    assert summary(reports(True), "en") == f"{n} of {n} steps passed ({points}/{points} points)"
    assert "숨은 검사는 강사가 채점할 때 더해집니다" in rendered("ko", 120)
    assert "the hidden checks add theirs when your instructor grades" in rendered("en", 120)


def test_the_summary_names_what_the_hidden_checks_look_at_in_the_passed_steps():
    hidden = [c for c in all_checks() if c.hidden]
    assert hidden
    for lang in ("ko", "en"):
        passed, failed = rendered(lang, 200, passed=True), rendered(lang, 200)
        for chk in hidden:  # the learner's copy names them from the generated titles_of_hidden.py
            assert chk.title[lang] in passed, chk.id
            assert chk.title[lang] not in failed, chk.id  # a failing step has its own ✗ to fix first


def test_what_the_tutorial_fixes_is_a_public_check():
    """metrics, the activation and y are the tutorial's own choices: a learner sees a ✗ for them
    before grading (they were hidden checks, and passed check, watch, pytest and the notebook)."""
    public = {c.id for c in PUBLIC}
    assert {"step1.y_equals_x", "step2.linear", "step3.metrics"} <= public


def test_a_run_in_another_language_does_not_reuse_the_last_runs_feedback(tmp_path: Path):
    class Submission:
        def content_hash(self) -> str:
            return "same"

    korean, english = Gradebook(tmp_path, "ko"), Gradebook(tmp_path, "en")
    assert korean.fingerprint(Submission()) != english.fingerprint(Submission())
    assert korean.fingerprint(Submission()) == Gradebook(tmp_path, "ko").fingerprint(Submission())


def test_the_grade_summary_says_the_status_in_the_runs_language():
    run = GradeRun([StudentResult("a", "graded"), StudentResult("b", "failed", reasons=["x"])])
    for lang, words in (("ko", ("채점됨", "실패 (x)")), ("en", ("graded", "failed (x)"))):
        buffer = io.StringIO()
        Console(file=buffer, width=120, color_system=None).print(summary_table(run, lang))
        assert all(word in buffer.getvalue() for word in words)
    buffer = io.StringIO()
    Console(file=buffer, width=120, color_system=None).print(summary_table(run, "ko"))
    assert "graded" not in buffer.getvalue()


def test_the_loss_plot_marks_step_4s_pass_line():
    with feedback._PLOT_LOCK:
        figure = feedback.loss_figure([30.0, 3.0, 0.3], "en")
    (axes,) = figure.axes
    flat = [line for line in axes.lines if list(line.get_ydata()) == [spec.LOSS_THRESHOLD] * 2]
    assert len(flat) == 1 and "MSE of the trained weights < 1" in flat[0].get_label()


# One mistake, one ✗: the step's other failures point at it ("–"), with the same points as before.
ONE_MISTAKE = {
    "step4_returns_model": (
        Answer(4, {"train_model": "model.fit(x, y, epochs=100, batch_size=1)\nreturn model"}),
        "step4.history",
        ("History가 아닌", "not a History"),
    ),
    "step1_column_shaped": (
        Answer(1, {"make_data": "x = np.arange(1, 11).reshape(-1, 1)\nreturn x, x.copy()"}),
        "step1.shape",
        ("(10, 1)", "(10, 1)"),
    ),
    "step2_no_return": (
        Answer(
            2,
            {"build_model": "model = Sequential()\nmodel.add(keras.Input(shape=(1,)))\nmodel.add(Dense(5))"},
        ),
        "step2.sequential",
        ("함수 끝에서 그 모델을 돌려주세요", "return that model at the end of the function"),
    ),
    "step1_numbers_chain": (
        Answer(1, {"make_data": "return 1, 2"}),
        "step1.arrays",
        ("(int, int)", "(int, int)"),
    ),
    "step2_indentation": (MUTANTS["step2_syntax_error"], "step2.sequential", ("들여쓰기", "indentation")),
    "step2_input_shape_int": (  # Keras 2's habit: a number where Keras 3 wants a tuple
        Answer(
            2,
            {
                "build_model": "model = Sequential()\nmodel.add(Dense(5, input_shape=1))\n"
                "model.add(Dense(3))\nmodel.add(Dense(1))\nreturn model"
            },
        ),
        "step2.sequential",
        ("`input_shape=(1,)`", "`input_shape=(1,)`"),
    ),
    # The return mistakes: each told its own cause, not "wrap lists in np.array" or "a new model".
    "step1_no_return": (
        Answer(1, {"make_data": "x = np.arange(1, 11)\ny = x.copy()"}),
        "step1.arrays",
        ("return이 없는 함수는 None", "a function without return gives back None"),
    ),
    "step1_returns_x_alone": (
        Answer(1, {"make_data": "x = np.arange(1, 11)\nreturn x"}),
        "step1.arrays",
        ("x와 y를 둘 다 돌려주세요", "return both x and y"),
    ),
    "step3_returns_compile": (
        Answer(3, {"compile_model": "return model.compile(loss='mse', optimizer='adam', metrics=['mse'])"}),
        "step3.returns_model",
        ("`model.compile(...)`은 값을 돌려주지 않습니다", "`model.compile(...)` gives back nothing (None)"),
    ),
    "step4_positional_fit": (
        Answer(4, {"train_model": f"return model.fit(x, y, {spec.EPOCHS}, {spec.BATCH_SIZE})"}),
        "step4.epochs",
        ("세 번째 인자는 batch_size", "third argument is batch_size"),
    ),
    "step3_not_done": (None, "step3.returns_model", ("NotImplementedError", "NotImplementedError")),
}


@pytest.mark.parametrize("name", sorted(ONE_MISTAKE))
def test_one_mistake_shows_one_cross_with_its_own_advice(grade_step, name):
    answer, culprit, (korean, english) = ONE_MISTAKE[name]
    report = grade_step(answer, step=3) if answer is None else grade_step(answer)
    crosses = [v for v in report.verdicts if v.mark == "✗"]
    assert [v.check.id for v in crosses] == [culprit], [(v.check.id, v.message("en")) for v in crosses]
    assert korean in crosses[0].message("ko") and english in crosses[0].message("en")
    for other in report.verdicts:
        if other.skipped:  # one short line: not the error again, no check ids
            for lang in ("ko", "en"):
                assert other.message(lang).splitlines() == [
                    f"{LABELS[lang]['expected']}: {other.check.expected[lang]}",
                    WAITING[lang],
                ]
                assert culprit not in other.message(lang)


PRINTS = """
for n in range(12):
    print("line", n)
print("\\x1b[31mred\\x1b[0m [bold]not markup[/bold]")
print("1/10 [=>   ]\\r5/10 [==>  ]\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b10/10 [=====]")
x = np.arange(1, 11)
return x, x.copy()
"""


def _shown(report: StepReport, lang: str, **options: bool) -> str:
    buffer = io.StringIO()
    render([report], lang, Console(file=buffer, width=100, color_system=None), **options)
    return buffer.getvalue()


def test_the_learners_prints_are_shown_folded_under_the_step(grade_step):
    report = grade_step(Answer(1, {"make_data": PRINTS}))
    assert report.passed
    assert report.outcome.output.splitlines()[-2:] == ["red [bold]not markup[/bold]", "10/10 [=====]"]
    folded = _shown(report, "en")
    assert "What your code printed (last 5 of 14 lines; all of them: --output)" in folded
    assert "│ 10/10 [=====]" in folded and "│ line 8" not in folded and "\x1b" not in folded
    assert "red [bold]not markup[/bold]" in folded  # printed as written, never read as markup
    everything = _shown(report, "ko", output=True)
    assert "여러분의 코드가 출력한 것 (14줄)" in everything and "│ line 0" in everything


def test_a_learners_error_text_is_never_read_as_markup(grade_step):
    report = grade_step(Answer(1, {"make_data": 'raise ValueError("[/bold] boom [red]x")'}))
    assert "[/bold] boom [red]x" in _shown(report, "en")  # rich would raise MarkupError on "[/bold]"


def test_what_a_child_printed_is_bounded_and_never_read_through_a_symlink(tmp_path: Path):
    (tmp_path / "child.log").write_text("".join(f"{n} \x07bell\n" for n in range(1000)))
    output, clipped = learner_output(tmp_path)
    assert len(output.splitlines()) == OUTPUT_LINES_CAP and output.splitlines()[-1] == "999 \\u0007bell"
    assert clipped
    (tmp_path / "child.log").unlink()
    (tmp_path / "child.log").symlink_to("/etc/passwd")
    assert learner_output(tmp_path) == ("", False)


def test_the_line_count_is_the_true_one_or_none_when_lines_were_not_kept(tmp_path: Path):
    def shown(log: bytes, **options: bool) -> str:
        (tmp_path / "child.log").write_bytes(log)
        outcome = Outcome(step=1, status="ok")
        outcome.output, outcome.output_clipped = learner_output(tmp_path)
        return _shown(StepReport(STEPS[0], outcome, []), "en", **options)

    blank_lines = b"".join(b"line %d\n\n" % n for n in range(12))
    assert "(last 5 of 23 lines; all of them: --output)" in shown(blank_lines)  # blank lines count
    many = b"".join(b"line %d\n" % n for n in range(1000))
    assert "(the last 5 lines; up to the last 400: --output)" in shown(many) and " of 400" not in shown(many)
    assert "(the last 400 lines; earlier ones were not kept)" in shown(many, output=True)
    # The child keeps the log's last 64 KiB, so its first line is cut: that line is not shown.
    tail = b"0123456789" * (contract.LOG_TAIL // 10) + b"\nlast\n"
    assert shown(tail[-contract.LOG_TAIL :], output=True).count("│") == 1


# --- a loop that never ends: the step is stopped (memory, time) and the ✗ names the loop ------------

ENDLESS = {  # a beginner's `while` without `i += 1`: one fills the memory, one only spins
    "out_of_memory": (
        "xs = []\ni = 1\nwhile i <= 10:\n    xs.append(i)\nx = np.array(xs)\nreturn x, x.copy()",
        None,
    ),
    "timeout": ("i = 1\nwhile i <= 10:\n    x = i * 2\nx = np.arange(1, 11)\nreturn x, x.copy()", 4.0),
}


@pytest.mark.parametrize("status", sorted(ENDLESS))
def test_a_loop_that_never_ends_is_named_where_the_step_stopped(grade_step, status):
    body, timeout = ENDLESS[status]
    report = grade_step(Answer(1, {"make_data": body}), timeout=timeout)
    assert report.outcome.status == status
    (cross,) = [v for v in report.verdicts if v.mark == "✗"]
    source = fill(1, {"make_data": body}).splitlines()
    loop = next(n for n, line in enumerate(source, 1) if line.strip() == "while i <= 10:")
    assert f"the `while` loop on line {loop} seems never to end" in cross.message("en")
    assert f"{loop}번째 줄의 `while` 반복문이 끝나지 않는" in cross.message("ko")
    assert "(line " not in cross.found["en"]  # where in the loop it was caught differs from run to run


def test_a_stop_outside_any_loop_gets_no_loop_advice(grade_step):
    report = grade_step(Answer(1, {"make_data": "import time\ntime.sleep(60)\nreturn 1, 2"}), timeout=3.0)
    (cross,) = [v for v in report.verdicts if v.mark == "✗"]
    assert report.outcome.status == "timeout" and "loop" not in report.outcome.error
    assert cross.hint == CALL_HINTS["timeout"]  # the generic tip, no loop named


@pytest.mark.parametrize(
    ("lines", "line", "expected"),
    [
        (["while i < 3:", "    x += 1"], 2, {"loop": "while", "loop_line": 1}),
        (
            ["for a in b:", "    while c:", "", "        # note", "        d()"],
            5,
            {"loop": "while", "loop_line": 2},
        ),
        (["for a in b:", "    if c:", "        d()"], 3, {"loop": "for", "loop_line": 1}),
        (["while c:", "    pass", "def f():", "    d()"], 4, {}),  # a function below a loop is not in it
        (["x = 1", "y = 2"], 2, {}),
    ],
)
def test_the_loop_around_a_line_is_read_from_the_indentation(lines, line, expected):
    assert enclosing_loop(lines, line) == expected


def test_a_loop_stopped_at_its_own_condition_is_that_loop():
    assert enclosing_loop(["x = 1", "while x:", "    pass"], 2) == {"loop": "while", "loop_line": 2}
    assert enclosing_loop(["format = 1", "whilex = 2"], 2) == {}  # a name that starts like one is not


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pty: Linux")
def test_a_long_step_4_shows_the_epoch_it_is_at_while_it_trains(tmp_path: Path):
    epochs = 4 * spec.EPOCHS  # a learner's `epochs=400` checks for minutes on a laptop
    body = f"return model.fit(x, y, epochs={epochs}, batch_size={spec.BATCH_SIZE})"
    folder = write_submission(tmp_path / "mine", {4: Answer(4, {"train_model": body})})
    (tmp_path / "tmp").mkdir()
    term = Terminal("check", str(folder), "--step", "4", "--lang", "en", tmp=tmp_path / "tmp")
    screen = term.wait_for(f" of {epochs}", timeout=300)
    shown = [int(n) for n in re.findall(rf"step 4 training: epoch (\d+) of {epochs}", screen)]
    assert shown and all(0 < n <= epochs for n in shown), screen
    term.child.expect(pexpect.EOF, timeout=600)
    assert "✗ 4. Train the model" in ANSI.sub("", term.child.before)  # 400 is not the tutorial's 100
