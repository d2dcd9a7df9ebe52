import keras
from step1_data import make_data
from step2_model import build_model

keras.utils.set_random_seed(9)  # 시드 9: 이 강좌의 실행과 같은 시작 가중치 / the course's starting weights
x, y = make_data()
model = build_model()
adam = keras.optimizers.Adam(learning_rate=0.01)  # 기본값 / default: 0.001
model.compile(loss="mse", optimizer=adam, metrics=["mse"])
history = model.fit(x, y, epochs=100, batch_size=1, verbose=0)
print("loss:", history.history["loss"][-1])
