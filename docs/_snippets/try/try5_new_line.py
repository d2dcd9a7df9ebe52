import keras
import numpy as np
from step1_data import make_data
from step2_model import build_model
from step3_compile import compile_model

keras.utils.set_random_seed(9)
x, _ = make_data()
y = 2 * x + 1  # 새 정답 / new answers
model = compile_model(build_model())
model.fit(x, y, epochs=600, batch_size=1, verbose=0)

at_0, at_1 = model.predict(np.array([[0], [1]]), verbose=0).ravel()
print(f"W = {at_1 - at_0:.4f}, B = {at_0:.4f}")
