"""Conditioning an image network on a label vector by tiling it over the image."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_portrait")
class TileLabels(keras.layers.Layer):
    """`[images, labels]` → images with each label value appended as a constant channel.

    StarGAN's generator sees its target domain this way: a `(batch, L)` label vector (one-hot
    class or multi-hot attributes) is broadcast to `(batch, H, W, L)` and concatenated to the
    `(batch, H, W, C)` images, giving `C + L` channels. The broadcast is a multiplication with
    a ones map, which converts to a plain TFLite MUL (no BROADCAST_TO or TILE with a dynamic
    shape), so the layer exports with builtin ops for any fixed image size.

    Reference:
        Choi et al., "StarGAN: Unified Generative Adversarial Networks for Multi-Domain
        Image-to-Image Translation", CVPR 2018 (section 3.3).
    """

    def call(self, inputs):
        images, labels = inputs
        labels = ops.cast(labels, images.dtype)
        ones = ops.ones_like(images[..., :1])
        return ops.concatenate([images, ones * labels[:, None, None, :]], axis=-1)

    def compute_output_shape(self, input_shape):
        images, labels = input_shape
        channels = None if images[-1] is None or labels[-1] is None else images[-1] + labels[-1]
        return (*images[:-1], channels)
