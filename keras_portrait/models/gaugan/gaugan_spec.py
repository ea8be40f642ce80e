"""The GauGAN family: portraits from a face mask, a style code and metadata; its element is
`{"image", "mask", "metadata"}`."""

import numpy as np
import tensorflow as tf

from keras_portrait.imaging.metadata import METADATA_NAMES
from keras_portrait.imaging.metadata import metadata_vector
from keras_portrait.data.synth_dataset import to_float
from keras_portrait.labels import MASK_CLASSES
from keras_portrait.models.gaugan import gaugan_export
from keras_portrait.models.gaugan.gaugan import GauGAN
from keras_portrait.models.gaugan.gaugan_cli import GAUGAN_COMMANDS
from keras_portrait.registry import ExportInput
from keras_portrait.registry import FamilySpec


def synth_element(source, index):
    sample = source.sample(index)
    return (to_float(sample["image"]), sample["mask"].astype(np.int32),
            metadata_vector(sample["attributes"]))


def synth_signature(image_size, options):
    return (
        tf.TensorSpec((image_size, image_size, 3), tf.float32),
        tf.TensorSpec((image_size, image_size), tf.int32),
        tf.TensorSpec((len(METADATA_NAMES),), tf.float32),
    )


def structure(parts):
    return {"image": parts[0], "mask": parts[1], "metadata": parts[2]}


GAUGAN_SPEC = FamilySpec(
    name="gaugan", model_class=GauGAN,
    summary="portraits from a 7-class face mask, a style image and metadata (Park et al. 2019)",
    synth_element=synth_element, synth_signature=synth_signature, structure=structure,
    train_defaults={"batch_size": 8, "num_samples": 8, "discriminator_steps": 1,
                    "discriminator_layers": 4},
    export_inputs=(
        ExportInput("mask", "mask", length=lambda model: model.num_classes, names=MASK_CLASSES),
        ExportInput("code", "vector", length=lambda model: model.code_dim,
                    card={"source": gaugan_export.CODE_SOURCE}),
        ExportInput("metadata", "vector", length=lambda model: model.metadata_dim,
                    names=METADATA_NAMES, value_range=(0.0, 1.0)),
    ),
    export_network=gaugan_export.export_network,
    export_parts=(gaugan_export.STYLE_ENCODER,),
    export_samples=gaugan_export.style_codes,
    export_size=gaugan_export.export_size,
    cli=GAUGAN_COMMANDS,
)
