"""2단계: 모델 구성 / Step 2: build the model."""

import keras
from keras.layers import Dense
from keras.models import Sequential


def build_model():
    """입력 1개 → Dense(5) → Dense(3) → Dense(1)인 Sequential 모델을 만들어 돌려주세요 (컴파일 전).

    Build and return a Sequential model: 1 input -> Dense(5) -> Dense(3) -> Dense(1), not compiled.
    """
    ### BEGIN SOLUTION
    model = Sequential()
    model.add(keras.Input(shape=(1,)))  # Keras 2: Dense(5, input_dim=1)
    model.add(Dense(5))
    model.add(Dense(3))
    model.add(Dense(1))
    return model
    ### END SOLUTION


if __name__ == "__main__":
    build_model().summary()  # Total params: 32
