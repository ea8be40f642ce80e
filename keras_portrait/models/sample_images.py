"""What the conditional families share: objects kept out of saving, fixed sample examples."""

import numpy as np
from keras import ops


class Unsaved:
    """Holds an object out of Keras' reach: saving walks a model's attributes and would store
    any Keras model it finds, and tracking would add its weights to the model's."""

    def __init__(self, value=None):
        self.value = value


class SampleBatchMixin:
    """`set_sample_batch` / `sample_inputs` for a GAN whose sample sheets show real examples.

    A conditional model's sample sheets need real inputs (photos to translate, masks, renders),
    which it cannot draw itself: they are set once from the data, e.g.
    `model.set_sample_batch(next(iter(dataset)))`, and kept out of the saved model.
    `set_sample_images` is the same method under the name the translation families had.

    A family says what it keeps of a batch in `sample_examples(batch)`: an image array (the
    translation families, whose inputs are images) or a dict of arrays. `sample_inputs(n)`
    gives the first `n` of them: a float32 tensor, or the dict of arrays.
    """

    def sample_examples(self, batch):
        """What the sheets keep of `batch`: here its images (float [-1, 1], NHWC), given
        alone or as the first part of a training batch `(images, ...)`."""
        if isinstance(batch, tuple) and np.ndim(batch[0]) == 4:
            batch = batch[0]
        images = np.asarray(batch, dtype=np.float32)
        if images.ndim != 4 or images.shape[0] < 1:
            raise ValueError(
                f"`images` must be a non-empty (N, H, W, C) batch. Received: {images.shape}"
            )
        return images

    def set_sample_batch(self, batch):
        """Fixes the examples that `sample_inputs` returns, from a batch of the training
        data (for the translation families, its images alone will do)."""
        self._sample_batch = Unsaved(self.sample_examples(batch))

    def set_sample_images(self, images):
        """`set_sample_batch`, under the translation families' first name for it."""
        self.set_sample_batch(images)

    def sample_inputs(self, n, seed=None):
        """The first `n` examples set by `set_sample_batch` (fewer when fewer were set).

        The model needs real inputs, so a grid needs some: set them from the data once.
        `seed` is unused: the inputs are the same examples whatever it is.
        """
        stored = getattr(self, "_sample_batch", None)
        if stored is None or stored.value is None:
            raise ValueError(
                f"{type(self).__name__}.sample_inputs needs real examples: call "
                "`model.set_sample_batch(batch)` (or its alias `set_sample_images`) first, "
                "e.g. with a batch of the training data."
            )
        if isinstance(stored.value, dict):
            return {key: value[:n] for key, value in stored.value.items()}
        return ops.convert_to_tensor(stored.value[:n])


# The name of the mixin when it took images only.
SampleImagesMixin = SampleBatchMixin
