"""SynthPortraits as `tf.data` pipelines, one element structure per GAN family (DESIGN.md §3).

Every element is rendered on the fly from its index, so a dataset is fully determined by
(`seed`, `num_examples`, the arguments): the same call gives the same images on any machine.
"""

import numpy as np
import tensorflow as tf

from keras_portrait.data.metadata import METADATA_NAMES
from keras_portrait.data.metadata import age_to_unit
from keras_portrait.data.synth import SynthPortraits
from keras_portrait.data.synth.framing import check_framing
from keras_portrait.data.synth.framing import frame
from keras_portrait.data.synth.framing import framed_sample
from keras_portrait.data.synth.framing import render_size

FAMILIES = ("dcgan", "wgan-gp", "cyclegan", "stargan", "gaugan", "rotation")
# Families whose elements are images and labels alone, which a face framing can crop (masks and
# rotation poses belong to the whole render).
FACE_FRAMED_FAMILIES = ("dcgan", "wgan-gp", "cyclegan", "stargan")


# The CelebA attributes of the StarGAN reference configuration (c_dim=5), read off the render's
# labels: black / blond / brown hair from the hair colour (other colours: none of the three),
# male = gender presentation > 0.5, young = age < 40.
STARGAN_ATTRIBUTES = ("black_hair", "blond_hair", "brown_hair", "male", "young")
_CELEBA_HAIR = {"black_hair": ("black",), "blond_hair": ("blonde", "platinum"),
                "brown_hair": ("brown", "dark_brown")}


def metadata_vector(attributes):
    """The GauGAN metadata vector (METADATA_NAMES) of a render's `attributes` dict."""
    return np.array(
        [age_to_unit(attributes["age"]), float(attributes["gender"]),
         float(attributes["glasses"])],
        dtype=np.float32,
    )


def stargan_attribute_vector(attributes):
    """The multi-hot STARGAN_ATTRIBUTES vector of a render's `attributes` dict."""
    hair = attributes["hair_color"]
    return np.array(
        [hair in colors for colors in _CELEBA_HAIR.values()]
        + [float(attributes["gender"]) > 0.5, float(attributes["age"]) < 40.0],
        dtype=np.float32,
    )


def _to_float(image):
    return image.astype(np.float32) / 127.5 - 1.0


class _FamilyRenderer:
    """Renders element `index` of a family as a tuple of numpy arrays (the flat tf.data output)."""

    def __init__(
        self, family, image_size, seed, style, style_b, labels, yaw_range, target_yaw_range,
        framing="portrait",
    ):
        self.portraits = SynthPortraits(seed=seed)
        self.family = family
        self.size = image_size
        self.style = style
        self.style_b = style_b
        self.labels = labels
        self.yaw_range = yaw_range
        self.target_yaw_range = target_yaw_range
        self.framing = framing
        # Domain B of CycleGAN is drawn from other indices so the two sides stay unpaired.
        self.offset = 1_000_003

    def sample(self, index, style):
        return framed_sample(self.portraits, index, self.size, self.framing, style=style,
                             yaw_range=self.yaw_range)[0]

    def __call__(self, index):
        index = int(index)
        if self.family in ("dcgan", "wgan-gp"):
            return (_to_float(self.sample(index, self.style)["image"]),)
        if self.family == "cyclegan":
            a = self.sample(index, self.style)["image"]
            b = self.sample(index + self.offset, self.style_b)["image"]
            return _to_float(a), _to_float(b)
        if self.family == "stargan":
            s = self.sample(index, self.style)
            if self.labels == "expression":
                label = np.int32(s["expression"])
            else:
                label = stargan_attribute_vector(s["attributes"])
            return _to_float(s["image"]), label
        if self.family == "gaugan":
            s = self.sample(index, self.style)
            return _to_float(s["image"]), s["mask"].astype(np.int32), metadata_vector(
                s["attributes"]
            )
        return self._rotation_pair(index)

    def _rotation_pair(self, index):
        source = self.sample(index, self.style)
        rng = np.random.default_rng((self.portraits.seed, index, 7))
        target_yaw = float(rng.uniform(*self.target_yaw_range))
        target = self.portraits.render(**render_controls(source, yaw=target_yaw, size=self.size))
        return (
            _to_float(source["image"]),
            _to_float(target["image"]),
            source["pose"].astype(np.float32),
            target["pose"].astype(np.float32),
        )


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


def _signature(family, size, labels):
    image = tf.TensorSpec((size, size, 3), tf.float32)
    if family in ("dcgan", "wgan-gp"):
        return (image,)
    if family == "cyclegan":
        return (image, image)
    if family == "stargan":
        if labels == "expression":
            return (image, tf.TensorSpec((), tf.int32))
        return (image, tf.TensorSpec((len(STARGAN_ATTRIBUTES),), tf.float32))
    if family == "gaugan":
        return (
            image,
            tf.TensorSpec((size, size), tf.int32),
            tf.TensorSpec((len(METADATA_NAMES),), tf.float32),
        )
    pose = tf.TensorSpec((3,), tf.float32)
    return (image, image, pose, pose)


def _structure(family, parts):
    if family in ("dcgan", "wgan-gp"):
        return parts[0]
    if family in ("cyclegan", "stargan"):
        return tuple(parts)
    if family == "gaugan":
        return {"image": parts[0], "mask": parts[1], "metadata": parts[2]}
    keys = ("source", "target", "source_pose", "target_pose")
    return dict(zip(keys, parts))


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


def synth_portraits(
    family="dcgan",
    image_size=64,
    batch_size=32,
    num_examples=4096,
    seed=0,
    style="photo",
    style_b="painting",
    labels="expression",
    yaw_range=(-30.0, 30.0),
    target_yaw_range=(-60.0, 60.0),
    shuffle=True,
    cache=False,
    drop_remainder=True,
    repeat=False,
    framing="portrait",
):
    """A batched `tf.data.Dataset` of SynthPortraits in the element structure of a GAN family.

    Images are float32 in [-1, 1]; masks int32 class ids (`keras_portrait.labels.MASK_CLASSES`);
    poses (yaw, pitch, roll) in degrees.

    Args:
        family: str. One of FAMILIES: "dcgan"/"wgan-gp" → images; "cyclegan" → (images_a,
            images_b) in `style` and `style_b`, unpaired; "stargan" → (images, labels);
            "gaugan" → {"image", "mask", "metadata"}; "rotation" → {"source", "target",
            "source_pose", "target_pose"} (the same portrait at two yaws). Defaults to `"dcgan"`.
        image_size: int. Square side in pixels. Defaults to `64`.
        batch_size: int or None. None leaves the dataset unbatched. Defaults to `32`.
        num_examples: int. Elements in one epoch. Defaults to `4096`.
        seed: int. The SynthPortraits seed (identities, controls) and the shuffle seed.
        style: str or None. Style of the images (domain A for CycleGAN); None draws one per
            sample. Defaults to `"photo"`.
        style_b: str. Style of CycleGAN's domain B. Defaults to `"painting"`.
        labels: str. StarGAN labels: "expression" (int32 class id of
            `keras_portrait.labels.EXPRESSIONS`) or "attributes" (float32 multi-hot over
            STARGAN_ATTRIBUTES). Defaults to `"expression"`.
        yaw_range: (float, float). Range of the sampled head yaw in degrees.
        target_yaw_range: (float, float). Range of the target yaw of the rotation family.
        shuffle: bool. Shuffle the order every epoch. Defaults to `True`.
        cache: bool. Keep the rendered epoch in memory (renders once; fastest for small sets).
        drop_remainder: bool. Drop the last incomplete batch. Defaults to `True`.
        repeat: bool. Repeat forever. Defaults to `False`.
        framing: str. "portrait": the whole render (head, shoulders, backdrop); "face": the
            face alone, forehead to chin, cut from a render at twice the size along its own
            landmarks (`data.synth.framing`; the framing of expression datasets, where lips
            and brows are large). "face" is for the image families (FACE_FRAMED_FAMILIES).
            Defaults to `"portrait"`.
    """
    if family not in FAMILIES:
        raise ValueError(f"Unknown family {family!r}. Valid: {', '.join(FAMILIES)}")
    if labels not in ("expression", "attributes"):
        raise ValueError(f"`labels` must be 'expression' or 'attributes'. Received: {labels!r}")
    if num_examples < 1:
        raise ValueError(f"`num_examples` must be >= 1. Received: num_examples={num_examples}")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"`batch_size` must be >= 1 or None. Received: batch_size={batch_size}")
    if check_framing(framing) == "face" and family not in FACE_FRAMED_FAMILIES:
        raise ValueError(f"framing='face' is for the families {', '.join(FACE_FRAMED_FAMILIES)}; "
                         f"{family!r} elements hold masks or poses of the whole render. "
                         "Use framing='portrait'.")
    render_size(image_size, framing)
    renderer = _FamilyRenderer(
        family, image_size, seed, style, style_b, labels, yaw_range, target_yaw_range, framing
    )
    signature = _signature(family, image_size, labels)

    def render(index):
        parts = tf.numpy_function(renderer, [index], [spec.dtype for spec in signature])
        for part, spec in zip(parts, signature):
            part.set_shape(spec.shape)
        return _structure(family, parts)

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
        images_a.append(_to_float(sample["image"]))
        images_b.append(_to_float(image_b))
    return np.stack(images_a), np.stack(images_b)
