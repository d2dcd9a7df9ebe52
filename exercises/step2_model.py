# 생성된 파일 (solutions/step2_model.py에서 `make build`로 생성).
# `# YOUR CODE HERE` 자리만 채우세요.
# Generated from solutions/step2_model.py by `make build`.
# Fill in only the `# YOUR CODE HERE` parts.
"""2단계: 모델 구성 / Step 2: build the model."""

import keras
from keras.layers import Dense
from keras.models import Sequential


def build_model():
    """입력 1개 → Dense(5) → Dense(3) → Dense(1)인 Sequential 모델을 만들어 돌려주세요 (컴파일 전).

    Build and return a Sequential model: 1 input -> Dense(5) -> Dense(3) -> Dense(1), not compiled.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


if __name__ == "__main__":
    build_model().summary()  # Total params: 32
