"""Step 1's hidden checks. PYTEST_DONT_REWRITE (see autograder.checks.library)."""

from __future__ import annotations

import numpy as np

from autograder.checks.library import check, found, show, text
from autograder.core import spec
from autograder.core.outcome import Outcome


@check(
    "step1.y_equals_x",
    after=("step1.shape",),
    hidden=True,
    title=text("y는 x와 같은 1부터 10까지입니다", "y holds the same 1 to 10 as x"),
    expected=text("y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", "y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"),
    hint=text(
        "이 연습에서는 출력 y가 입력 x와 같습니다. y도 1부터 10까지로 만드세요",
        "in this exercise the output y equals the input x: make y 1 to 10 as well",
    ),
)
def test_step1_y_equals_x(step1: Outcome) -> None:
    y = step1.arrays.get("y")
    assert y is not None, found("숫자 배열이 아님", "not an array of numbers")
    assert y.shape == spec.DATA.shape and np.array_equal(y, spec.DATA), found(f"y = {show(y)}")
