"""The CycleGAN family: unpaired translation between two domains; its element is
`(images_a, images_b)`."""

import tensorflow as tf

from keras_portrait.data.synth_dataset import to_float
from keras_portrait.models.cycle_gan.cycle_gan import CycleGAN
from keras_portrait.models.cycle_gan.cycle_gan_cli import CYCLE_GAN_COMMANDS
from keras_portrait.registry import ExportInput
from keras_portrait.registry import FamilySpec

# Domain B is drawn from other indices, so the two sides stay unpaired.
DOMAIN_B_OFFSET = 1_000_003


def synth_element(source, index):
    a = source.sample(index)["image"]
    b = source.sample(index + DOMAIN_B_OFFSET, source.options["style_b"])["image"]
    return to_float(a), to_float(b)


def synth_signature(image_size, options):
    image = tf.TensorSpec((image_size, image_size, 3), tf.float32)
    return (image, image)


CYCLE_GAN_SPEC = FamilySpec(
    name="cyclegan", model_class=CycleGAN,
    summary="unpaired photo <-> painting translation (Zhu et al. 2017)",
    synth_element=synth_element, synth_signature=synth_signature, structure=tuple,
    synth_options={"style_b": "painting"}, face_framing=True,
    train_defaults={"batch_size": 1, "num_samples": 8, "num_blocks": 9, "learning_rate": 2e-4},
    export_inputs=(ExportInput("images", "image"),),  # call(): the a2b generator
    presets=("cyclegan-photo2painting-128",),
    cli=CYCLE_GAN_COMMANDS,
)
