"""`check(N)` for the learner's notebook: a step's public checks, run in the notebook's own kernel and
shown as the table `keras-course check` prints (otter-grader's `grader.check("q1")` is the model).

    from autograder.learner.notebook import check, set_language

    set_language("en")  # messages in English (default: Korean, or KERAS_COURSE_LANG)
    check(2)            # step 2: the functions this notebook defines now, on the grader's inputs
    check()             # all five steps

The step's functions run in this kernel (autograder.kernel.step_outcome, as the nbgrader test cells
do), once per version of them: re-running an answer cell makes new functions, which are checked anew.
An exception in them is a ✗ with its reason; a step that does not finish within its time limit is
stopped and is a ✗ too. A step whose answer cell has not run (its functions are not in the kernel)
gets one message saying so and what to run, and no table. Only the public checks run, whatever is
installed: the hidden ones are the instructor's. Like the nbgrader cells this is no sandbox
(`keras-course check` is): it is the learner's own code in the learner's own kernel.
"""

from __future__ import annotations

import io
import linecache
import re
import sys
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.terminal_theme import TerminalTheme

from autograder.checks.registry import all_checks
from autograder.checks.report import StepReport, assess, for_notebook, render
from autograder.core.outcome import Outcome, Status
from autograder.core.steps import LANGUAGES, STEP_BY_NUMBER, STEPS, Step, default_lang
from autograder.learner import kernel

_SETTINGS = {"lang": default_lang()}
WIDTH = 90  # columns rich wraps the table at in a notebook (its Jupyter default, 115, is wide for a side-by-side pane)

NOTES = {
    "not_run": {
        "ko": "{n}단계의 답 셀을 아직 실행하지 않았습니다. 그래서 {names} 함수가 아직 없습니다. "
        "위의 답 셀({defs} 줄이 있는 셀)을 먼저 실행하고(Shift+Enter) 이 셀을 다시 실행하세요.",
        "en": "Step {n}'s answer cell has not been run yet, so {names} {verb} not defined. Run the answer "
        "cell above (the one with {defs}) first (Shift+Enter), then run this cell again.",
    },
    "gone": {
        "ko": "{names} 함수가 이제 없습니다(지웠나요?). 위의 답 셀({defs} 줄이 있는 셀)을 다시 실행하고"
        "(Shift+Enter) 이 셀을 다시 실행하세요.",
        "en": "{names} {verb} no longer defined (deleted?). Run the answer cell above (the one with {defs}) "
        "again (Shift+Enter), then run this cell again.",
    },
    "not_run_all": {
        "ko": "{steps}단계의 답 셀을 아직 실행하지 않았습니다. 각 단계의 답 셀(`def` 줄이 있는 셀)을 먼저 "
        "실행하고(Shift+Enter) 이 셀을 다시 실행하세요. 한 단계의 결과만 보려면 그 답 셀 아래의 `check(N)` "
        "셀을 실행하세요.",
        "en": "The answer cells of steps {steps} have not been run yet. Run each step's answer cell (the one "
        "with `def`) first (Shift+Enter), then run this cell again. To see one step's results, run the "
        "`check(N)` cell under its answer cell.",
    },
    "not_defined": {
        "ko": "`{name}` 함수가 없습니다. 위의 답 셀에 `def {name}` 줄이 처음 받은 그대로 있는지 확인하고 "
        "그 셀을 다시 실행하세요(Shift+Enter).",
        "en": "`{name}` is not defined: check that the answer cell above still has the `def {name}` line "
        "as you got it, and run that cell again (Shift+Enter).",
    },
    Status.SYNTAX_ERROR: {
        "ko": "`def {name}` 줄이 있는 셀을 마지막으로 실행했을 때 문법 오류가 났습니다({line}번째 줄). "
        "그 셀 아래의 SyntaxError를 보고 고친 뒤 그 셀을 다시 실행하세요.",
        "en": "The last time you ran the cell with `def {name}` it had a syntax error (line {line}). "
        "Read the SyntaxError under that cell, fix it and run the cell again.",
    },
    "not_latest": {
        "ko": "`{name}` 함수는 `def {name}` 줄이 있는 셀을 마지막으로 실행한 결과가 아닙니다(그 셀이 `def`에 "
        "닿기 전에 오류로 멈췄나요?). 파이썬에 남아 있는 예전 `{name}`을 검사합니다.",
        "en": "`{name}` is not from the last run of the cell with `def {name}` (did that cell stop with an "
        "error before the `def`?). Checking the older `{name}` Python still has.",
    },
    "bad_step": {
        "ko": "단계 번호는 1부터 {last}까지입니다: check(1) … check({last}), 모든 단계는 check()",
        "en": "Steps are numbered 1 to {last}: check(1) … check({last}), or check() for all of them",
    },
    "bad_lang": {"ko": "언어는 {langs} 중 하나입니다", "en": "The language is one of {langs}"},
}
# `keras-course check`'s advice for a function that raised names a file to run; in a notebook, a cell.
# Colours readable on a light and on a dark notebook theme alike (only the marks are coloured).
THEME = TerminalTheme(
    (128, 128, 128),  # background: what dim text (–) is blended with
    (128, 128, 128),  # foreground
    [(0, 0, 0), (214, 48, 49), (32, 150, 60), (190, 140, 0), (50, 110, 230), (170, 70, 190), (0, 150, 160), (128, 128, 128)],
    [(85, 85, 85), (235, 80, 80), (60, 180, 90), (220, 170, 30), (90, 140, 250), (200, 100, 220), (40, 180, 190), (200, 200, 200)],
)  # fmt: skip
# rich's own Jupyter <pre>, but wrapped by the browser too where the output area is narrower than
# WIDTH (nothing hides past its right edge), and fonts whose Hangul is two columns wide first.
HTML = (
    '<pre style="white-space:pre-wrap;overflow-wrap:anywhere;line-height:normal;font-family:D2Coding,'
    "'NanumGothicCoding',Menlo,'DejaVu Sans Mono',Consolas,'Courier New',monospace\">{code}</pre>"
)
# The table's padding up to WIDTH, which would wrap into blank lines.
TRAILING = re.compile(r" +(?=(?:</span>)*\n)")


def set_language(lang: str) -> None:
    """The language of every later `check` in this kernel: "ko" (한국어) or "en" (English)."""
    if lang not in LANGUAGES:
        raise ValueError(NOTES["bad_lang"][_SETTINGS["lang"]].format(langs=", ".join(LANGUAGES)))
    _SETTINGS["lang"] = lang


def check(step: int | None = None, lang: str | None = None, timeout: float | None = None) -> None:
    """Check step `step` (all steps when None) of the functions this notebook defines, and show the
    table `keras-course check` prints. `timeout`: seconds per step (default: the step's own limit)."""
    lang = lang or _SETTINGS["lang"]
    if lang not in LANGUAGES:
        raise ValueError(NOTES["bad_lang"]["en"].format(langs=", ".join(LANGUAGES)))
    if step is not None and step not in STEP_BY_NUMBER:
        raise ValueError(NOTES["bad_step"][lang].format(last=len(STEPS)))
    namespace = sys._getframe(1).f_globals  # the notebook's globals, where its cells define functions
    chosen = [STEP_BY_NUMBER[step]] if step is not None else list(STEPS)
    not_run = [s for s in chosen if not any(callable(namespace.get(name)) for name in s.functions)]
    if not_run:  # no table: every row would only repeat that the functions are missing
        show([], [_not_run(not_run, lang)], lang, mark=False)
        return
    public = all_checks(include_hidden=False)
    notes: list[str] = []
    reports: list[StepReport] = []
    for each in chosen:
        outcome, why = _outcome(each, namespace, timeout or each.time_limit, lang)
        notes += why
        reports += [for_notebook(r) for r in assess([outcome], public)]
    show(reports, notes, lang)


def _not_run(steps: list[Step], lang: str) -> str:
    """What to do when the functions of `steps` are not in this kernel: their answer cells have not run
    (or not since the kernel restarted), or, for one step, a function its cell made was deleted since."""
    if len(steps) > 1:
        return NOTES["not_run_all"][lang].format(steps=", ".join(str(s.number) for s in steps))
    (step,) = steps
    ran = any(_latest_definition(name) is not None for name in step.functions)
    join = ", " if lang == "ko" else " and "
    return NOTES["gone" if ran else "not_run"][lang].format(
        n=step.number,
        names=join.join(f"`{name}`" for name in step.functions),
        verb="is" if len(step.functions) == 1 else "are",
        defs=join.join(f"`def {name}`" for name in step.functions),
    )


def _outcome(
    step: Step, namespace: Mapping[str, Any], timeout: float, lang: str
) -> tuple[Outcome, list[str]]:
    """The step's outcome, and notes on what the notebook's state means for it."""
    notes = []
    for name in step.functions:
        if not callable(namespace.get(name)):
            notes.append(NOTES["not_defined"][lang].format(name=name))
            continue
        latest = _latest_definition(name)
        if latest is None or _defined_by(namespace[name], latest):
            continue
        error = _syntax_error(latest)
        if error is not None:  # Python still holds the version before the broken edit: not that one
            notes.append(NOTES[Status.SYNTAX_ERROR][lang].format(name=name, line=error["line"]))
            return Outcome(step.number, Status.SYNTAX_ERROR, error=error), notes
        notes.append(NOTES["not_latest"][lang].format(name=name))
    return kernel.step_outcome(step.number, namespace, timeout=timeout), notes


def _latest_definition(name: str) -> str | None:
    """The last cell run in this IPython session that defines `name` at top level (as IPython ran it,
    after its own transformations), or None outside IPython or when no cell does."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    history = getattr(getattr(shell, "history_manager", None), "input_hist_parsed", None)
    if not history:
        return None
    defines = re.compile(rf"^(async\s+)?def\s+{re.escape(name)}\s*\(", re.M)
    return next((cell for cell in reversed(history) if defines.search(cell)), None)


def _defined_by(function: object, cell: str) -> bool:
    """Whether `function` was made by running `cell`: IPython keeps each cell's text in linecache."""
    code = getattr(function, "__code__", None)
    if code is None:
        return True  # not a plain function (a callable object): nothing to compare
    lines = linecache.getlines(code.co_filename)
    return [line.rstrip() for line in "".join(lines).strip().splitlines()] == [
        line.rstrip() for line in cell.strip().splitlines()
    ]


def _syntax_error(cell: str) -> dict[str, Any] | None:
    try:
        compile(cell, "<cell>", "exec")
    except SyntaxError as exc:
        return {"line": exc.lineno, "code": (exc.text or "").strip(), "message": exc.msg}
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _in_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def show(reports: list[StepReport], notes: list[str], lang: str, mark: bool = True) -> None:
    """In a Jupyter kernel (JupyterLab, VS Code, Colab): one output with an HTML and a plain-text form,
    neither holding terminal escape codes. Elsewhere: the terminal table of `keras-course check`.
    The notes come first, each marked `!` (`mark`); with no reports, only the notes (no summary)."""
    if not _in_kernel():
        _print(Console(), reports, notes, lang, mark, lines=True)
        return
    from IPython.display import display

    console = Console(record=True, file=io.StringIO(), width=WIDTH, force_terminal=True, force_jupyter=False)
    _print(console, reports, notes, lang, mark, lines=False)
    text = "\n".join(line.rstrip() for line in console.export_text(clear=False).splitlines())
    html = TRAILING.sub("", console.export_html(theme=THEME, inline_styles=True, code_format=HTML))
    display({"text/plain": text, "text/html": html}, raw=True)


def _print(
    console: Console, reports: list[StepReport], notes: list[str], lang: str, mark: bool, lines: bool
) -> None:
    for note in notes:
        console.print(f"[yellow]![/] {escape(note)}" if mark else escape(note), highlight=False)
    if reports:
        render(reports, lang, console, lines=lines)
