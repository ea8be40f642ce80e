"""The StarGAN family: one generator for many domains (expressions, attributes); its element is
`(images, labels)`."""

import numpy as np
import tensorflow as tf

from keras_portrait.data.synth_dataset import to_float
from keras_portrait.models.stargan.stargan import StarGAN
from keras_portrait.models.stargan.stargan_cli import STARGAN_COMMANDS
from keras_portrait.models.stargan.stargan_attributes import STARGAN_ATTRIBUTES
from keras_portrait.models.stargan.stargan_attributes import stargan_attribute_vector
from keras_portrait.registry import ExportInput
from keras_portrait.registry import FamilySpec

LABEL_TYPES = ("expression", "attributes")


def _check_labels(options):
    if options["labels"] not in LABEL_TYPES:
        raise ValueError("`labels` must be 'expression' or 'attributes'. "
                         f"Received: {options['labels']!r}")


def synth_element(source, index):
    sample = source.sample(index)
    if source.options["labels"] == "expression":
        label = np.int32(sample["expression"])
    else:
        label = stargan_attribute_vector(sample["attributes"])
    return to_float(sample["image"]), label


def synth_signature(image_size, options):
    _check_labels(options)
    image = tf.TensorSpec((image_size, image_size, 3), tf.float32)
    if options["labels"] == "expression":
        return (image, tf.TensorSpec((), tf.int32))
    return (image, tf.TensorSpec((len(STARGAN_ATTRIBUTES),), tf.float32))


STARGAN_SPEC = FamilySpec(
    name="stargan", model_class=StarGAN,
    summary="one generator for every expression or attribute (Choi et al. 2018)",
    synth_element=synth_element, synth_signature=synth_signature, structure=tuple,
    synth_options={"labels": "expression"}, face_framing=True,
    train_defaults={"batch_size": 16, "num_samples": 8, "num_blocks": 6, "learning_rate": 1e-4,
                    "discriminator_steps": 5},
    export_inputs=(
        ExportInput("images", "image"),
        ExportInput("label", "label", length=lambda model: model.num_domains,
                    names=lambda model: model.domain_names,
                    label_type=lambda model: model.label_type),
    ),
    cli=STARGAN_COMMANDS,
)
