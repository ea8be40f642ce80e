"""Reflection padding: mirrors the border instead of adding zeros."""

import keras


def _normalize_padding(padding):
    """Turns `p`, `(h, w)` or `((top, bottom), (left, right))` into the last form."""
    if isinstance(padding, int):
        pairs = ((padding, padding), (padding, padding))
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(isinstance(p, int) for p in padding):
            pairs = ((padding[0], padding[0]), (padding[1], padding[1]))
        elif all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
            pairs = tuple(tuple(p) for p in padding)
        else:
            pairs = None
    else:
        pairs = None
    if pairs is None or not all(isinstance(p, int) and p >= 0 for pair in pairs for p in pair):
        raise ValueError(
            "`padding` must be an int >= 0, a pair of them (height, width) or a pair of pairs "
            f"((top, bottom), (left, right)). Received: padding={padding}"
        )
    return pairs


@keras.saving.register_keras_serializable(package="keras_portrait")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width of NHWC images by mirroring the border.

    Generators pad this way so that convolutions near the border see image-like content rather
    than zeros, which avoids dark frames and edge artifacts. The border pixel itself is not
    repeated (NumPy's `mode="reflect"`, TFLite's `MIRROR_PAD`), so each padding must be smaller
    than the padded dimension.

    Args:
        padding: int, `(height, width)` or `((top, bottom), (left, right))`. Pixels added on each
            side. Defaults to `1`.

    Reference:
        Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
        Networks", ICCV 2017 (reflection padding in the ResNet generator).
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _normalize_padding(padding)
        self.input_spec = keras.layers.InputSpec(ndim=4)

    def build(self, input_shape):
        for axis, (before, after) in zip((1, 2), self.padding):
            size = input_shape[axis]
            if size is not None and max(before, after) >= size:
                raise ValueError(
                    f"Reflection padding must be smaller than the padded dimension. "
                    f"Received: padding={self.padding} for input shape {tuple(input_shape)}"
                )

    def call(self, x):
        (top, bottom), (left, right) = self.padding
        return keras.ops.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        (top, bottom), (left, right) = self.padding
        height = None if height is None else height + top + bottom
        width = None if width is None else width + left + right
        return (batch, height, width, channels)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
