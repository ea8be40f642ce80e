"""Residual block of the CycleGAN / StarGAN generators."""

import keras

from keras_portrait.layers.normalization import InstanceNormalization
from keras_portrait.layers.padding import ReflectionPadding2D


def _reflection_padding(kernel_size, name):
    return ReflectionPadding2D(kernel_size // 2, name=name)


def _zero_padding(kernel_size, name):
    return keras.layers.ZeroPadding2D(kernel_size // 2, name=name)


def _instance_norm(affine, name):
    return InstanceNormalization(center=affine, scale=affine, name=name)


def _batch_norm(affine, name):
    # momentum 0.9 and epsilon 1e-5 are the reference implementations' BatchNorm2d settings.
    return keras.layers.BatchNormalization(
        momentum=0.9, epsilon=1e-5, center=affine, scale=affine, name=name
    )


PADDINGS = {"reflect": _reflection_padding, "zero": _zero_padding}
NORMS = {"instance": _instance_norm, "batch": _batch_norm, "none": None}


@keras.saving.register_keras_serializable(package="keras_portrait")
class ResidualBlock(keras.layers.Layer):
    """`x + norm(conv(relu(norm(conv(x)))))`: two same-size convolutions and an identity skip.

    The generators of CycleGAN (reflection padding, instance norm without affine) and StarGAN
    (zero padding, affine instance norm, no conv bias) stack these at the bottleneck. The input
    must already have `filters` channels so the skip needs no projection. With `dropout > 0`,
    dropout sits after the first ReLU, as in the CycleGAN reference code.

    Args:
        filters: int. Channels of both convolutions and of the input. Required.
        kernel_size: int. Odd size of both square kernels. Defaults to `3`.
        padding: str. How each convolution's border is padded: `"reflect"` or `"zero"`.
            Defaults to `"reflect"`.
        norm: str. Normalization after each convolution: `"instance"`, `"batch"` or `"none"`.
            Defaults to `"instance"`.
        affine: bool. Whether the normalization learns a per-channel scale and offset; must be
            `False` when `norm="none"`. Defaults to `False`.
        use_bias: bool. Whether the convolutions add a bias. Defaults to `True`.
        dropout: float. Dropout rate in [0, 1) between the two convolutions. Defaults to `0.0`.
        kernel_initializer: str, dict or `keras.initializers.Initializer`. Initializer of both
            kernels (the papers use `keras.initializers.RandomNormal(stddev=0.02)`).
            Defaults to `"glorot_uniform"`.

    Reference:
        He et al., "Deep Residual Learning for Image Recognition", CVPR 2016;
        Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
        Networks", ICCV 2017; Choi et al., "StarGAN: Unified Generative Adversarial Networks
        for Multi-Domain Image-to-Image Translation", CVPR 2018.
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        padding="reflect",
        norm="instance",
        affine=False,
        use_bias=True,
        dropout=0.0,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(filters, int) or filters < 1:
            raise ValueError(f"`filters` must be an int >= 1. Received: filters={filters}")
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(
                f"`kernel_size` must be an odd int >= 1. Received: kernel_size={kernel_size}"
            )
        if padding not in PADDINGS:
            raise ValueError(
                f"`padding` must be one of {sorted(PADDINGS)}. Received: padding={padding!r}"
            )
        if norm not in NORMS:
            raise ValueError(f"`norm` must be one of {sorted(NORMS)}. Received: norm={norm!r}")
        if affine and norm == "none":
            raise ValueError(
                f"`affine=True` needs a normalization. Received: affine={affine}, norm={norm!r}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"`dropout` must be in [0, 1). Received: dropout={dropout}")
        self.filters = filters
        self.kernel_size = kernel_size
        self.padding = padding
        self.norm = norm
        self.affine = affine
        self.use_bias = use_bias
        self.dropout = dropout
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

        self.stages = []
        for i in (1, 2):
            self.stages.append(PADDINGS[padding](kernel_size, name=f"pad{i}"))
            self.stages.append(
                keras.layers.Conv2D(
                    filters,
                    kernel_size,
                    use_bias=use_bias,
                    # A fresh instance per conv: Keras 3 repeats the values of an unseeded
                    # initializer that is called twice, which would make both kernels equal.
                    kernel_initializer=keras.initializers.deserialize(
                        keras.initializers.serialize(self.kernel_initializer)
                    ),
                    name=f"conv{i}",
                )
            )
            if NORMS[norm] is not None:
                self.stages.append(NORMS[norm](affine, name=f"norm{i}"))
            if i == 1:
                self.stages.append(keras.layers.ReLU(name="relu"))
                if dropout > 0:
                    self.stages.append(keras.layers.Dropout(dropout, name="dropout"))

    def build(self, input_shape):
        if input_shape[-1] != self.filters:
            raise ValueError(
                "ResidualBlock needs as many input channels as `filters` for its identity skip. "
                f"Received: filters={self.filters}, input_shape={tuple(input_shape)}"
            )
        shape = tuple(input_shape)
        for stage in self.stages:
            stage.build(shape)
            shape = stage.compute_output_shape(shape)

    def call(self, x, training=None):
        y = x
        for stage in self.stages:
            y = stage(y, training=training)
        return x + y

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "padding": self.padding,
            "norm": self.norm,
            "affine": self.affine,
            "use_bias": self.use_bias,
            "dropout": self.dropout,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
