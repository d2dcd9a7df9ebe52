"""The step is the unit: every per-step table holds exactly the steps of STEPS, and a step missing
from one raises instead of running another step's code (the old `else: _step5(...)`)."""

from pathlib import Path

import pytest

from autograder.core.steps import STEPS
from autograder.sandbox import replay
from autograder.sandbox.child import harness
from sitegen import step_pages

NUMBERS = {step.number for step in STEPS}


@pytest.mark.parametrize(
    "table", [harness.EXPORTS, step_pages.STEP_EXTRAS], ids=["child export", "page extras"]
)
def test_each_table_has_every_step_and_no_other(table):
    assert set(table) == NUMBERS


def test_the_recomputed_steps_say_how():
    rebuilt = {s.number for s in STEPS if s.recompute == "rebuild"}
    assert set(replay.CONFIG) == set(replay.REBUILT) == rebuilt


def test_a_step_without_an_export_raises_rather_than_run_another_steps():
    out = harness.Export(Path("step6_save.py"))
    with pytest.raises(KeyError):
        harness.export(max(NUMBERS) + 1, out)
    assert out.calls == {}  # nothing of step 5 ran


def test_a_step_the_grader_does_not_recompute_is_refused_by_name():
    class Step1Outcome:
        step, data = 1, {}

    with pytest.raises(ValueError, match="step 1"):
        replay.request(Step1Outcome())
