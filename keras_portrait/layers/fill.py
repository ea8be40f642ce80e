"""Filling the holes of an image from its known pixels, inside the graph (TFLite builtins)."""

import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="keras_portrait")
class PushPullFill(keras.layers.Layer):
    """`[image, holes]` → the image with its holes filled smoothly from the known pixels.

    Pull-push interpolation: the known pixels (`holes` 0) and their weight are averaged down a
    pyramid of `levels` ×½ levels, so every coarse cell holds the mean colour of the known
    pixels under it and the fraction that was known; then, from the coarsest level back up,
    each level's colour is its own known mean where it had known pixels, blended with the
    upsampled (bilinear) coarser colour by the known fraction. At full resolution the known
    pixels come back exactly and a hole gets the colour of its nearest known surroundings,
    spread over a scale that grows with the hole. A hole that no known pixel reaches even at
    the coarsest level stays 0.

    Built from average pooling, divisions and bilinear resizes: it exports to TFLite with
    builtin ops. Works on any image size (the pooling pads odd sides).

    Args:
        levels: int. Pyramid levels below full resolution; a hole of side `s` needs about
            `log2(s)` of them. Defaults to `6`.

    Reference:
        Gortler et al., "The Lumigraph", SIGGRAPH 1996 (the pull-push algorithm).
    """

    def __init__(self, levels=6, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(levels, int) or levels < 1:
            raise ValueError(f"`levels` must be an int >= 1. Received: levels={levels}")
        self.levels = levels
        self.pool = keras.layers.AveragePooling2D(2, padding="same")

    def call(self, inputs):
        image, holes = inputs
        known = 1.0 - ops.cast(holes, image.dtype)
        colours, weights = [image * known], [known]
        for _ in range(self.levels):
            colours.append(self.pool(colours[-1]))
            weights.append(self.pool(weights[-1]))
        filled = colours[-1] / ops.maximum(weights[-1], 1e-6)
        for colour, weight in zip(reversed(colours[:-1]), reversed(weights[:-1])):
            coarse = _resize_like(filled, colour)
            filled = colour + (1.0 - weight) * coarse  # colour = weight · (known mean)
        return filled

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "levels": self.levels}


def _resize_like(x, like):
    height, width = like.shape[1], like.shape[2]
    if height is not None and width is not None:
        return ops.image.resize(x, (height, width), interpolation="bilinear")
    return tf.image.resize(x, tf.shape(like)[1:3], method="bilinear")
