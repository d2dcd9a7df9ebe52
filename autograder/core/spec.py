"""The tutorial's recipe as plain facts, shared by the reference, the checks and the docs.

Pure numpy: the parent process (which judges) never imports TensorFlow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

# Step 1: x = y = 1..10.
DATA = np.arange(1, 11)
# Step 2: Dense(5, input_dim=1) -> Dense(3) -> Dense(1).
INPUT_DIM = 1
UNITS = (5, 3, 1)
# Step 3: compile(loss='mse', optimizer='adam', metrics=['mse']).
LOSS_NAMES = frozenset({"mse", "mean_squared_error", "meansquarederror"})
OPTIMIZER_NAME = "adam"
# Step 4: fit(epochs=100, batch_size=1).
EPOCHS = 100
BATCH_SIZE = 1
UPDATES_PER_EPOCH = -(-DATA.size // BATCH_SIZE)  # batches in an epoch (the last may be short)
UPDATES = EPOCHS * UPDATES_PER_EPOCH  # the optimizer's steps in the whole fit
FIT_CALL = f"model.fit(x, y, epochs={EPOCHS}, batch_size={BATCH_SIZE})"  # as hints and titles write it
# Step 5: predict([11, 12, 13]).
X_NEW = np.array([11, 12, 13])

# The seed of step 4's reference model and of every run the checks make.
GRADER_SEED = 9
# Step 4 passes when the mean squared error of the trained weights on the data is below this.
# Calibrated by `python -m autograder.grading.calibrate` (see autograder/calibration.json).
LOSS_THRESHOLD = 1.0


def layer_param_counts(input_dim: int = INPUT_DIM, units: tuple[int, ...] = UNITS) -> list[int]:
    """Parameters per Dense layer: inputs x outputs weights plus one bias per output."""
    sizes = (input_dim, *units)
    return [n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:])]


def forward(weights: list[np.ndarray], x: npt.ArrayLike) -> np.ndarray:
    """Output of a stack of linear Dense layers given [kernel, bias, kernel, bias, ...]."""
    h = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    for kernel, bias in zip(weights[0::2], weights[1::2]):
        h = h @ np.asarray(kernel, dtype=np.float64) + np.asarray(bias, dtype=np.float64)
    return h


def mse(weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of the network with these weights, computed in float64."""
    error = forward(weights, x).ravel() - np.asarray(y, dtype=np.float64).ravel()
    return float(np.mean(error**2))


def trained_weights(slope: float = 0.96, intercept: float = 0.35) -> list[np.ndarray]:
    """Step 5's reference "trained" model: fixed weights whose line is slope*x + intercept.

    Close to what a real fit gives (predictions a little low, MSE about 0.03) but not perfect,
    so an evaluate that returns zeros or a predict that returns x_new cannot pass by luck.
    """
    rng = np.random.default_rng(2024)
    k1, b1 = rng.uniform(-1, 1, (1, 5)), rng.uniform(-0.5, 0.5, 5)
    k2, b2 = rng.uniform(-1, 1, (5, 3)), rng.uniform(-0.5, 0.5, 3)
    # Hidden output is x * a + c; pick the last layer so that a @ k3 = slope, c @ k3 + b3 = intercept.
    a, c = k1 @ k2, b1 @ k2 + b2
    k3 = a.T * (slope / float((a @ a.T)[0, 0]))
    b3 = intercept - c @ k3
    return [w.astype(np.float32) for w in (k1, b1, k2, b2, k3, b3)]
