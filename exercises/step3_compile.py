# 생성된 파일 (solutions/step3_compile.py에서 `make build`로 생성).
# `# YOUR CODE HERE` 자리만 채우세요.
# Generated from solutions/step3_compile.py by `make build`.
# Fill in only the `# YOUR CODE HERE` parts.
"""3단계: 모델 컴파일 / Step 3: compile the model."""


def compile_model(model):
    """손실 함수 mse, 옵티마이저 adam, 지표 mse로 model을 컴파일하고 같은 model을 돌려주세요.

    Compile model with loss mse, optimizer adam and metric mse, and return the same model.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


if __name__ == "__main__":
    from step2_model import build_model

    print(compile_model(build_model()).get_compile_config()["loss"])  # mse
