"""Advice teaches without giving the answer away: no "Try" line (nor a first hint) holds a solution line."""

from __future__ import annotations

import ast
import re
import textwrap

import pytest

from autograder.checks.judging import CALL_HINTS, run_yourself
from autograder.checks.registry import all_checks
from autograder.core.steps import STEPS

from conftest import ROOT

SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", re.S)


def _squeezed(text: str) -> str:
    """Compare code without spaces and with one kind of quote: `loss = "mse"` is `loss='mse'`."""
    return re.sub(r"\s+", "", text).replace('"', "'")


def answer_fragments(source: str) -> set[str]:
    """Each statement of the solution regions and each call with arguments in them, e.g.
    `model.fit(x,y,epochs=100,batch_size=1)`; a bare `return model` names a step's idea, not its answer."""
    fragments = set()
    for region in SOLUTION_REGION.findall(source):
        for statement in ast.parse(textwrap.dedent(region)).body:
            value = statement.value if isinstance(statement, ast.Return) else None
            names = value.elts if isinstance(value, ast.Tuple) else [value]
            names_only = value is not None and all(isinstance(name, ast.Name) for name in names)
            if not names_only:
                fragments.add(_squeezed(ast.unparse(statement)))
            calls = [n for n in ast.walk(statement) if isinstance(n, ast.Call) and (n.args or n.keywords)]
            fragments.update(_squeezed(ast.unparse(call)) for call in calls)
    return fragments


FRAGMENTS = {
    step.number: answer_fragments((ROOT / "solutions" / step.filename).read_text()) for step in STEPS
}


def _leaks(text: str, step: int) -> list[str]:
    return sorted(f for f in FRAGMENTS[step] if f in _squeezed(text))


def test_the_fragments_are_the_answer_lines():
    assert "model.fit(x,y,epochs=100,batch_size=1)" in FRAGMENTS[4]
    assert "model.add(keras.Input(shape=(1,)))" in FRAGMENTS[2] and "Dense(1)" in FRAGMENTS[2]
    assert "x=np.array([1,2,3,4,5,6,7,8,9,10])" in FRAGMENTS[1]
    assert "returnmodel" not in FRAGMENTS[3]  # a bare return is the idea "give it back", kept
    assert _leaks("try: model.fit(x, y, epochs=100,  batch_size=1)", 4)  # the test can fail


@pytest.mark.parametrize("check", all_checks(), ids=lambda c: c.id)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_try_lines_never_print_an_answer_line(check, lang):
    assert _leaks(check.hint[lang], check.step) == [], check.hint[lang]


@pytest.mark.parametrize("step", STEPS, ids=lambda s: f"step{s.number}")
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_only_the_last_hint_shows_answer_lines(step, lang):
    for nudge in step.nudges:
        assert _leaks(nudge[lang], step.number) == [], nudge[lang]
    for advice in [*CALL_HINTS.values(), run_yourself(step.number)]:
        assert _leaks(advice[lang], step.number) == [], advice[lang]
    assert _leaks(step.hint[lang], step.number), "the last hint gives the answer's lines"
