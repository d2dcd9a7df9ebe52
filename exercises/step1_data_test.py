# 생성된 파일 (autograder/checks/public/step1.py에서 `make build`로 생성): 공개 검사, `pytest exercises/`로 실행합니다.
# Generated from autograder/checks/public/step1.py by `make build`: the public checks, run by `pytest exercises/`.
"""Step 1's public checks: `make_data()` returns x and y. PYTEST_DONT_REWRITE (see autograder.checks.library)."""

from __future__ import annotations

import numpy as np

from autograder.checks.library import check, found, refute, show, text
from autograder.core import spec
from autograder.core.outcome import Outcome


@check(
    "step1.arrays",
    title=text("x와 y 두 개의 numpy 배열을 돌려줍니다", "returns two numpy arrays, x and y"),
    expected=text("`return x, y`: numpy 배열 두 개", "`return x, y`: two numpy arrays"),
    hint=text(
        "파이썬 리스트를 np.array(...)로 감싸 numpy 배열로 만들고, x와 y를 쉼표로 이어 둘 다 돌려주세요",
        "wrap each Python list in np.array(...) to get numpy arrays, and return both, separated by a comma",
    ),
)
def test_step1_arrays(step1: Outcome) -> None:
    returned = step1.calls["make_data"].get("returned", "?")
    if returned == "NoneType":  # no `return` at all
        refute(
            found("아무것도 돌려주지 않음 (None)", "nothing (None)"),
            text(
                "함수 끝에 `return x, y`를 쓰세요. return이 없는 함수는 None을 돌려줍니다",
                "end the function with `return x, y`: a function without return gives back None",
            ),
        )
    if not step1.data.get("pair"):
        refute(
            found(f"값 하나 ({returned})", f"one value ({returned})"),
            text(
                "x와 y를 둘 다 돌려주세요: `return x, y`처럼 쉼표로 이어 씁니다",
                "return both x and y: `return x, y`, joined by a comma",
            ),
        )
    x, y = step1.data["x"], step1.data["y"]
    assert x["is_ndarray"] and y["is_ndarray"], found(f"({x['type']}, {y['type']})")


@check(
    "step1.shape",
    after=("step1.arrays",),
    title=text("x와 y의 모양이 (10,)입니다", "x and y have shape (10,)"),
    expected=text("x.shape == y.shape == (10,)", "x.shape == y.shape == (10,)"),
    hint=text(
        "숫자 10개를 대괄호 한 쌍 안에 한 줄로 넣으세요: 대괄호가 겹치면 (10, 1) 같은 2차원이 됩니다",
        "put the ten numbers in one pair of square brackets: nested brackets make a 2-D shape such as (10, 1)",
    ),
)
def test_step1_shape(step1: Outcome) -> None:
    shapes = {name: step1.arrays[name].shape if name in step1.arrays else None for name in "xy"}
    assert all(shape == (10,) for shape in shapes.values()), found(
        f"x.shape = {shapes['x']}, y.shape = {shapes['y']}"
    )


@check(
    "step1.x_values",
    after=("step1.shape",),
    title=text("x는 1부터 10까지입니다", "x holds 1 to 10"),
    expected=text("x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]", "x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"),
    hint=text(
        "0이 아니라 1에서 시작해 10에서 끝나야 합니다: np.arange(1, 11)은 11을 넣지 않습니다",
        "start at 1, not 0, and end at 10: np.arange(1, 11) stops before 11",
    ),
)
def test_step1_x_values(step1: Outcome) -> None:
    x = step1.arrays.get("x")
    assert x is not None, found("숫자 배열이 아님", "not an array of numbers")
    assert x.shape == spec.DATA.shape and np.array_equal(x, spec.DATA), found(f"x = {show(x)}")


@check(
    "step1.y_equals_x",
    after=("step1.shape",),
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
