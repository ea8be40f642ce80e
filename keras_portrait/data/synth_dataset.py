"""SynthPortraits as `tf.data` pipelines in the element structure of a GAN family (DESIGN.md §3).

Every element is rendered on the fly from its index, so a dataset is fully determined by
(`seed`, `num_examples`, the arguments): the same call gives the same images on any machine.
"""

import numpy as np
import tensorflow as tf

from keras_portrait import registry
from keras_portrait.data.synth import SynthPortraits
from keras_portrait.data.synth.framing import check_framing
from keras_portrait.data.synth.framing import frame
from keras_portrait.data.synth.framing import framed_sample
from keras_portrait.data.synth.framing import render_size


def to_float(image):
    """uint8 pixels → float32 in [-1, 1]."""
    return image.astype(np.float32) / 127.5 - 1.0


class SynthSource:
    """What a family's `synth_element` draws from: seeded SynthPortraits at one size, style,
    framing and yaw range, and `synth_portraits`' other keyword arguments (`options`)."""

    def __init__(self, image_size, seed, style, yaw_range, framing, options):
        self.portraits = SynthPortraits(seed=seed)
        self.size = image_size
        self.style = style
        self.yaw_range = yaw_range
        self.framing = framing
        self.options = options

    def sample(self, index, style=None):
        """The framed sample `index` in `style` (default: the source's)."""
        style = self.style if style is None else style
        return framed_sample(self.portraits, index, self.size, self.framing, style=style,
                             yaw_range=self.yaw_range)[0]


def render_controls(sample, yaw, size):
    """The render() arguments that reproduce `sample` at another yaw."""
    _, pitch, roll = (float(v) for v in sample["pose"])
    attributes = sample["attributes"]
    return dict(
        identity=sample["identity"],
        expression=sample["expression"],
        intensity=sample["intensity"],
        yaw=yaw,
        pitch=pitch,
        roll=roll,
        style=sample["style"],
        size=size,
        glasses=attributes["glasses"],
        hair_color=attributes["hair_color"],
        age=attributes["age"],
        gender=attributes["gender"],
        light=sample["light"],
        background=sample["background"],
    )


def indexed_renders(render, num_examples, seed, shuffle, cache):
    """`render(index)` over `range(num_examples)`: shuffled (seeded, every epoch) before the
    render, or after `cache` so that the renders are made once."""
    dataset = tf.data.Dataset.range(num_examples)
    if shuffle and not cache:
        dataset = dataset.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.map(render, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if cache:
        dataset = dataset.cache()
        if shuffle:
            dataset = dataset.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
    return dataset


def _image_element(source, index):
    return (to_float(source.sample(index)["image"]),)


def _image_signature(image_size, options):
    return (tf.TensorSpec((image_size, image_size, 3), tf.float32),)


# The element of `family=None`: image batches alone.
IMAGES = registry.FamilySpec(
    name="images", model_class=type(None), summary="images alone",
    synth_element=_image_element, synth_signature=_image_signature,
    structure=lambda parts: parts[0], face_framing=True,
)


def synth_portraits(
    family=None,
    image_size=64,
    batch_size=32,
    num_examples=4096,
    seed=0,
    style="photo",
    yaw_range=(-30.0, 30.0),
    shuffle=True,
    cache=False,
    drop_remainder=True,
    repeat=False,
    framing="portrait",
    **options,
):
    """A batched `tf.data.Dataset` of SynthPortraits in the element structure of a GAN family.

    Images are float32 in [-1, 1]; masks int32 class ids (`keras_portrait.labels.MASK_CLASSES`);
    poses (yaw, pitch, roll) in degrees. The element and the family's own options come from its
    `FamilySpec` (`keras_portrait.registry`); DESIGN.md §3 lists the package's families.

    Args:
        family: str or None. A registered family (`keras_portrait.registry.names()`), or None
            for batches of images alone (the element of the noise-to-image families). Defaults
            to `None`.
        image_size: int. Square side in pixels. Defaults to `64`.
        batch_size: int or None. None leaves the dataset unbatched. Defaults to `32`.
        num_examples: int. Elements in one epoch. Defaults to `4096`.
        seed: int. The SynthPortraits seed (identities, controls) and the shuffle seed.
        style: str or None. Style of the images (of the first domain of a two-domain family);
            None draws one per sample. Defaults to `"photo"`.
        yaw_range: (float, float). Range of the sampled head yaw in degrees.
        shuffle: bool. Shuffle the order every epoch. Defaults to `True`.
        cache: bool. Keep the rendered epoch in memory (renders once; fastest for small sets).
        drop_remainder: bool. Drop the last incomplete batch. Defaults to `True`.
        repeat: bool. Repeat forever. Defaults to `False`.
        framing: str. "portrait": the whole render (head, shoulders, backdrop); "face": the
            face alone, forehead to chin, cut from a render at twice the size along its own
            landmarks (`data.synth.framing`; the framing of expression datasets, where lips
            and brows are large). "face" is for the families whose elements are images and
            labels alone (`FamilySpec.face_framing`). Defaults to `"portrait"`.
        **options: the family's own options, with its defaults (`FamilySpec.synth_options`):
            e.g. `style_b` (the second domain's style), `labels` ("expression" class ids or
            "attributes" vectors), `target_yaw_range` (the second pose of a turned pair).
    """
    spec = IMAGES if family is None else registry.get(family)
    unknown = sorted(set(options) - set(spec.synth_options))
    if unknown:
        raise ValueError(f"Unknown option(s) {', '.join(unknown)} for family {family!r}. "
                         f"Valid: {', '.join(spec.synth_options) or 'none'}")
    options = {**spec.synth_options, **options}
    if num_examples < 1:
        raise ValueError(f"`num_examples` must be >= 1. Received: num_examples={num_examples}")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"`batch_size` must be >= 1 or None. Received: batch_size={batch_size}")
    if check_framing(framing) == "face" and not spec.face_framing:
        framed = [s.name for s in registry.specs() if s.face_framing]
        raise ValueError(f"framing='face' is for the families {', '.join(framed)}; "
                         f"{family!r} elements hold masks or poses of the whole render. "
                         "Use framing='portrait'.")
    render_size(image_size, framing)
    source = SynthSource(image_size, seed, style, yaw_range, framing, options)
    signature = spec.synth_signature(image_size, options)

    def render_parts(index):
        return spec.synth_element(source, int(index))

    def render(index):
        parts = tf.numpy_function(render_parts, [index], [item.dtype for item in signature])
        for part, item in zip(parts, signature):
            part.set_shape(item.shape)
        return spec.structure(parts)

    dataset = indexed_renders(render, num_examples, seed, shuffle, cache)
    if repeat:
        dataset = dataset.repeat()
    if batch_size is not None:
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    return dataset.prefetch(tf.data.AUTOTUNE)


def synth_style_pairs(
    count, image_size=64, seed=0, style="photo", style_b="painting", yaw_range=(-30.0, 30.0),
    framing="portrait",
):
    """`count` portraits rendered twice, in `style` and in `style_b`: paired ground truth.

    Element `i` of both arrays is the same sitter, expression, pose, light and background
    (SynthPortraits renders every style from the same geometry), so a style translation
    A → B can be scored against the true B render. The portraits are those of
    `synth_portraits(seed=seed)`'s domain A; train and evaluate with different seeds for
    held-out sitters. `framing` as in `synth_portraits`; with "face" both renders are cut with
    the square of the first.

    Returns:
        `(images_a, images_b)`, float32 (count, image_size, image_size, 3) in [-1, 1].
    """
    if count < 1:
        raise ValueError(f"`count` must be >= 1. Received: count={count}")
    side = render_size(image_size, framing)
    portraits = SynthPortraits(seed=seed)
    images_a, images_b = [], []
    for index in range(count):
        sample, matrix = framed_sample(portraits, index, image_size, framing, style=style,
                                       yaw_range=yaw_range)
        yaw = float(sample["pose"][0])
        controls = {**render_controls(sample, yaw=yaw, size=side), "style": style_b}
        image_b = frame(portraits.render(**controls), image_size, framing, matrix)[0]
        images_a.append(to_float(sample["image"]))
        images_b.append(to_float(image_b))
    return np.stack(images_a), np.stack(images_b)
