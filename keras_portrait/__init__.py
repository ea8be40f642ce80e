"""keras_portrait: a Keras 3 / TensorFlow model zoo of portrait GANs."""

__version__ = "0.1.0"
