"""What only a GauGAN knows about its export: its size, the style codes of the calibration and
parity examples, and its style encoder as a second exported network (`GAUGAN_SPEC`)."""

import numpy as np

from keras_portrait.registry import ExportInput
from keras_portrait.registry import ExportPart

CODE_SOURCE = ("draw each entry N(0, 1) for a random style, or use the style encoder's mean "
               "mu of a style image (style_encoder_<format>.tflite)")
CODES_FROM_IMAGES = "even examples: the style encoder's mu of the example's image; odd: N(0, 1)"


def export_size(gan, image_size):
    """A GauGAN exports at its own size: its generator's first layer is sized for it."""
    if image_size is not None and image_size != gan.image_size:
        raise ValueError(
            f"A GauGAN exports at its own size, {gan.image_size}: its generator's first layer "
            f"is sized for it. Received: image_size={image_size}"
        )
    return gan.image_size


def export_network(gan):
    return gan.generator


def style_codes(gan, examples, seed):
    """The codes as an app gets them: the style encoder's mean `mu` of the example's image
    (even examples) and the N(0, 1) draws (odd examples, and every example without an image)."""
    images = examples.get("images")
    if images is None:
        return examples, {"codes": "N(0, 1)"}
    codes = np.array(examples["code"], np.float32)
    mu, _ = gan.encoder(images[::2].astype(np.float32) / 127.5 - 1.0, training=False)
    codes[::2] = np.asarray(mu)
    return {**examples, "code": codes}, {"codes": CODES_FROM_IMAGES}


def style_encoder_network(gan):
    """The style encoder giving the code's mean `mu` alone (the generator's code input)."""

    def mu(images, training=False):
        return gan.encoder(images, training=training)[0]

    return mu


# The style encoder runs once per style image, not per frame: the float formats only.
STYLE_ENCODER = ExportPart(
    name="style_encoder", network=style_encoder_network,
    inputs=(ExportInput("images", "image", key="image"),),
    output=ExportInput("mu", "vector", length=lambda gan: gan.code_dim,
                       card={"meaning": "the mean of the image's style code: the generator's "
                                        "code input"}),
    formats=("fp32", "fp16"), card={"role": "style_encoder"}, parity_units="code units (mu)",
)
