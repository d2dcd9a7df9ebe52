import keras
from keras.layers import Dense
from keras.models import Sequential

model = Sequential()
model.add(keras.Input(shape=(1,)))
model.add(Dense(10))  # 5 → 10
model.add(Dense(3))
model.add(Dense(1))
print(model.count_params())
