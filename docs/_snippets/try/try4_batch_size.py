import keras
from step1_data import make_data
from step2_model import build_model
from step3_compile import compile_model

keras.utils.set_random_seed(9)
x, y = make_data()
model = compile_model(build_model())
history = model.fit(x, y, epochs=100, batch_size=2, verbose=0)  # batch_size=1 → 2
print(history.params)
print("loss:", history.history["loss"][-1])
