# 생성된 파일 (solutions/step1_data.py에서 `make build`로 생성).
# `# YOUR CODE HERE` 자리만 채우세요.
# Generated from solutions/step1_data.py by `make build`.
# Fill in only the `# YOUR CODE HERE` parts.
"""1단계: 데이터 구성 / Step 1: prepare the data."""

import numpy as np


def make_data():
    """입력 x와 출력 y를 numpy 배열로 만들어 (x, y)로 돌려주세요. 둘 다 1부터 10까지입니다.

    Make the input x and the output y as numpy arrays and return (x, y); both hold 1 to 10.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


if __name__ == "__main__":
    x, y = make_data()
    print(x.shape, y.shape)  # (10,) (10,)
