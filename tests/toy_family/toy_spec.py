"""The toy family's spec and command-line hooks: what `keras-portrait` needs of a family."""

import numpy as np
import tensorflow as tf

from keras_portrait.registry import ExportInput
from keras_portrait.registry import FamilyCommands
from keras_portrait.registry import FamilySpec
from toy_family.toy_gan import ToyGAN

NAME = "toy"


def synth_element(source, index):
    return (source.sample(index)["image"].astype(np.float32) / 127.5 - 1.0,)


def synth_signature(image_size, options):
    return (tf.TensorSpec((image_size, image_size, 3), tf.float32),)


def add_train_arguments(parser):
    parser.add_argument("--l1-weight", type=float, default=10.0,
                        help="weight of the L1 distance to the input (default: %(default)s)")


def build(args, dataset):
    return ToyGAN(image_size=args.image_size, filters=args.filters, l1_weight=args.l1_weight,
                  seed=args.seed)


def sample_inputs(model, args, count):
    """`count` SynthPortraits of `--seed`: the model needs pictures to draw from."""
    import keras_portrait as kp

    portraits = kp.data.synth_portraits(family=NAME, image_size=model.image_size,
                                        batch_size=count, num_examples=count, seed=args.seed,
                                        shuffle=False)
    return np.asarray(next(iter(portraits)))


TOY_SPEC = FamilySpec(
    name=NAME, model_class=ToyGAN, summary="a one-convolution image-to-image GAN (a test)",
    synth_element=synth_element, synth_signature=synth_signature,
    structure=lambda parts: parts[0], face_framing=True,
    train_defaults={"batch_size": 2, "num_samples": 4},
    export_inputs=(ExportInput("image", "image"),),
    cli=FamilyCommands(add_train_arguments=add_train_arguments, build=build,
                       sample_inputs=sample_inputs),
)
