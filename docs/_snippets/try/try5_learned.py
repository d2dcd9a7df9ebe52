import keras
import numpy as np
from step1_data import make_data
from step2_model import build_model
from step3_compile import compile_model

keras.utils.set_random_seed(9)
x, y = make_data()
model = compile_model(build_model())
model.fit(x, y, epochs=100, batch_size=1, verbose=0)

# 모델은 직선 하나 / the model is one straight line: y = W·x + B
at_0, at_1 = model.predict(np.array([[0], [1]]), verbose=0).ravel()
print(f"W = {at_1 - at_0:.4f}, B = {at_0:.4f}")

# 훈련 데이터 / training data, 처음 보는 데이터 / data it never saw
x_test = np.array([11, 12, 13])  # x와 같은 1차원 / 1-D like x
y_test = np.array([11, 12, 13])
print("train loss:", model.evaluate(x, y, verbose=0)[0])
print("test loss: ", model.evaluate(x_test, y_test, verbose=0)[0])
