import numpy as np

x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
y = 2 * x + 1  # 새 정답 / new answers: y = 2x + 1
print(y)
print(x.reshape(-1, 1).shape)  # 샘플마다 숫자 1개 / one number per sample
