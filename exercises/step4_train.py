# 생성된 파일 (solutions/step4_train.py에서 `make build`로 생성).
# `# YOUR CODE HERE` 자리만 채우세요.
# Generated from solutions/step4_train.py by `make build`.
# Fill in only the `# YOUR CODE HERE` parts.
"""4단계: 모델 훈련 / Step 4: train the model."""


def train_model(model, x, y):
    """컴파일된 model을 x, y로 100 에포크, 배치 크기 1로 훈련하고 fit이 돌려준 History를 돌려주세요.

    Train the compiled model on x, y for 100 epochs with batch size 1; return the History from fit.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


if __name__ == "__main__":
    from step1_data import make_data
    from step2_model import build_model
    from step3_compile import compile_model

    x, y = make_data()
    history = train_model(compile_model(build_model()), x, y)
    print("final loss:", history.history["loss"][-1])
