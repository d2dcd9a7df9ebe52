# ruff: noqa
# fmt: off
# The tutorial's own Keras 2 code, verbatim ("keras Tutorial01 - Sequential Model 구현"), split into
# its sections. The site shows each section next to today's code; sitegen/site_capture.py runs the
# whole file under Keras 3 to record what changed (the warning, the 1-D predict trap, the summary).

# --8<-- [start:data]
import numpy as np
x = np.array([1,2,3,4,5,6,7,8,9,10])
y = np.array([1,2,3,4,5,6,7,8,9,10])

print(x.shape)
print(y.shape)
# --8<-- [end:data]

# --8<-- [start:model]
from keras.models import Sequential
from keras.layers import Dense

model = Sequential()

model.add(Dense(5, input_dim = 1))
model.add(Dense(3))
model.add(Dense(1))

model.summary()
# --8<-- [end:model]

# --8<-- [start:compile]
model.compile(loss='mse', optimizer='adam', metrics=['mse'])
# --8<-- [end:compile]

# --8<-- [start:fit]
model.fit(x, y, epochs=100, batch_size=1)
# --8<-- [end:fit]

# --8<-- [start:evaluate]
loss, mse = model.evaluate(x, y, batch_size=1)
print('loss: ', loss)
print('mse : ', mse)
# --8<-- [end:evaluate]

# --8<-- [start:predict]
x_prd=np.array([11, 12, 13])
y_prd=model.predict(x_prd)

print(y_prd)
# --8<-- [end:predict]
