# 생성된 파일 (solutions/step5_evaluate.py에서 `make build`로 생성).
# `# YOUR CODE HERE` 자리만 채우세요.
# Generated from solutions/step5_evaluate.py by `make build`.
# Fill in only the `# YOUR CODE HERE` parts.
"""5단계: 평가와 예측 / Step 5: evaluate and predict."""

import numpy as np


def evaluate_model(model, x, y):
    """model.evaluate로 x, y에 대한 손실과 mse를 구해 (loss, mse) 두 float로 돌려주세요.

    Evaluate model on x, y with batch size 1 and return (loss, mse) as two floats.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def predict(model, x_new):
    """x_new(예: [11, 12, 13])에 대한 model의 예측을 모양 (n, 1)인 배열로 돌려주세요.

    Return model's predictions for x_new (e.g. [11, 12, 13]) as an array of shape (n, 1).
    """
    # YOUR CODE HERE
    raise NotImplementedError()


if __name__ == "__main__":
    from step1_data import make_data
    from step2_model import build_model
    from step3_compile import compile_model
    from step4_train import train_model

    x, y = make_data()
    model = compile_model(build_model())
    train_model(model, x, y)
    loss, mse = evaluate_model(model, x, y)
    print("loss:", loss, "mse:", mse)
    print(predict(model, np.array([11, 12, 13])))
