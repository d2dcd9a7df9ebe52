"""Reference inputs the checks feed each step, so a mistake in one step costs only that step.

Imports Keras: used only inside the child process that runs learner code (and by calibration).
"""

from __future__ import annotations

import keras
import numpy as np

from autograder.core import spec


def data() -> tuple[np.ndarray, np.ndarray]:
    return spec.DATA.copy(), spec.DATA.copy()


def model(seed: int = spec.GRADER_SEED) -> keras.Sequential:
    """The tutorial's network, uncompiled, with weights drawn from `seed`."""
    keras.utils.set_random_seed(int(seed))
    layers = [keras.layers.Dense(units) for units in spec.UNITS]
    return keras.Sequential([keras.Input(shape=(spec.INPUT_DIM,)), *layers])


def compiled_model(seed: int = spec.GRADER_SEED) -> keras.Sequential:
    net = model(seed)
    net.compile(loss="mse", optimizer="adam", metrics=["mse"])
    return net


def trained_model() -> keras.Sequential:
    """A compiled model with step 5's fixed "trained" weights (no fit needed)."""
    net = compiled_model()
    net.set_weights(spec.trained_weights())
    return net


def weights(net: keras.Model) -> list[np.ndarray]:
    return [np.array(v.numpy()) for v in net.weights]
