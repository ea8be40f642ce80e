"""What the translation families share: objects kept out of saving, fixed sample images."""

import numpy as np
from keras import ops


class Unsaved:
    """Holds an object out of Keras' reach: saving walks a model's attributes and would store
    any Keras model it finds, and tracking would add its weights to the model's."""

    def __init__(self, value=None):
        self.value = value


class SampleImagesMixin:
    """`set_sample_images` / `sample_inputs` for a GAN that translates real images.

    A translation model's sample sheets need real inputs, which it cannot draw itself: they are
    set once from the data and kept out of the saved model. The class using this mixin creates
    `self._sample_images = Unsaved()` in its constructor.
    """

    def set_sample_images(self, images):
        """Fixes the images that `sample_inputs` returns (float [-1, 1], NHWC)."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[0] < 1:
            raise ValueError(
                f"`images` must be a non-empty (N, H, W, C) batch. Received: {images.shape}"
            )
        self._sample_images.value = images

    def sample_inputs(self, n, seed=None):
        """The first `n` images set by `set_sample_images` (fewer when fewer were set).

        The model translates real images, so a grid needs some: set them from the data once
        (e.g. `model.set_sample_images(next(iter(dataset))[0])`). `seed` is unused: the inputs
        are the same images whatever it is.
        """
        if self._sample_images.value is None:
            name = type(self).__name__
            raise ValueError(
                f"{name}.sample_inputs needs real images: call "
                "`model.set_sample_images(images)` first (e.g. a batch of the training data)."
            )
        return ops.convert_to_tensor(self._sample_images.value[:n])
