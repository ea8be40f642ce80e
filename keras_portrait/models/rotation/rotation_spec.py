"""The face-rotation family (Rotate-and-Render): a portrait turned by its head mesh and
cleaned; its SynthPortraits element is `{"source", "target", "source_pose", "target_pose"}`
(the same sitter at two yaws)."""

import numpy as np
import tensorflow as tf

from keras_portrait.data.synth_dataset import render_controls
from keras_portrait.data.synth_dataset import to_float
from keras_portrait.models.rotation.rotation_cli import ROTATION_COMMANDS
from keras_portrait.models.rotation.rotation_gan import RotationGAN
from keras_portrait.registry import ExportInput
from keras_portrait.registry import FamilySpec


def synth_element(source, index):
    sample = source.sample(index)
    rng = np.random.default_rng((source.portraits.seed, index, 7))
    target_yaw = float(rng.uniform(*source.options["target_yaw_range"]))
    target = source.portraits.render(**render_controls(sample, yaw=target_yaw, size=source.size))
    return (to_float(sample["image"]), to_float(target["image"]),
            sample["pose"].astype(np.float32), target["pose"].astype(np.float32))


def synth_signature(image_size, options):
    image = tf.TensorSpec((image_size, image_size, 3), tf.float32)
    pose = tf.TensorSpec((3,), tf.float32)
    return (image, image, pose, pose)


def structure(parts):
    return dict(zip(("source", "target", "source_pose", "target_pose"), parts))


def export_size(gan, image_size):
    """256 by default; the generator is fully convolutional, but its encoder halves the side
    `num_downsamplings` times."""
    image_size = 256 if image_size is None else image_size
    step = 2**gan.num_downsamplings
    if image_size % step:
        raise ValueError(f"`image_size` must be a multiple of {step}. Received: {image_size}")
    return image_size


def export_network(gan):
    return gan.generator


ROTATION_SPEC = FamilySpec(
    name="rotation", model_class=RotationGAN,
    summary="turn a face in photos and paintings (Rotate-and-Render, Zhou et al. 2020)",
    synth_element=synth_element, synth_signature=synth_signature, structure=structure,
    synth_options={"target_yaw_range": (-60.0, 60.0)},
    train_defaults={"batch_size": 8, "num_samples": 8, "num_blocks": 6,
                    "discriminator_steps": 1, "discriminator_layers": 4},
    export_inputs=(
        ExportInput("render", "image",
                    card={"meaning": "the turned portrait as keras_portrait.face.rotate_render "
                                     "renders it, 0 in the holes"}),
        ExportInput("holes", "holes", card={"meaning": "nonzero where the render has no texture"}),
    ),
    export_network=export_network, export_size=export_size, export_inputs_by_name=True,
    cli=ROTATION_COMMANDS,
    presets=("rotation-real-128",),
)
