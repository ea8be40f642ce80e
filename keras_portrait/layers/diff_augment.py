"""Differentiable augmentation of what a discriminator sees (DiffAugment).

With few training images (hundreds of paintings) a discriminator memorises them and its
gradients stop teaching the generator. DiffAugment applies the same family of random,
differentiable transformations to the real and the generated images before the discriminator,
in its own update and in the generator's: the discriminator never sees an un-augmented image,
and the generator's gradient flows through the transformation, so the augmentation does not
leak into the generated images (as augmenting the training data alone would).

The three policies of the reference, on images in [-1, 1]:
- `"color"`: brightness + (u - 0.5), saturation × 2u around the pixel's channel mean,
  contrast × (u + 0.5) around the image's mean;
- `"translation"`: a shift of up to 1/8 of the side in each direction, zeros shifted in;
- `"cutout"`: a square of half the side set to zero, centred anywhere in the image (clipped
  at its borders).

Reference:
    Zhao et al., "Differentiable Augmentation for Data-Efficient GAN Training", NeurIPS 2020.
"""

import tensorflow as tf

POLICIES = ("color", "translation", "cutout")
# Random draws per example each policy takes from `uniform`.
DRAWS = {"color": 3, "translation": 2, "cutout": 2}
TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def parse_policy(policy):
    """`"color,translation"` (or a sequence of names) → a tuple of policy names, checked."""
    if policy is None or policy == "":
        return ()
    names = tuple(p.strip() for p in policy.split(",")) if isinstance(policy, str) else tuple(policy)
    unknown = [name for name in names if name not in POLICIES]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"`policy` must be distinct names of {', '.join(POLICIES)}, comma-"
                         f"separated. Received: {policy!r}")
    return names


def num_draws(policy):
    """Uniform draws per example that `diff_augment` needs for `policy`."""
    return sum(DRAWS[name] for name in parse_policy(policy))


def diff_augment(images, policy, draws):
    """`images` (N, H, W, C) in [-1, 1] augmented by `policy` with the per-example uniform
    [0, 1) `draws` (N, num_draws(policy)); differentiable with respect to `images`.

    The caller supplies the draws, so the same draws can augment two batches alike and a
    model's seeded generator keeps runs reproducible under `tf.distribute`.
    """
    names = parse_policy(policy)
    column = 0
    for name in names:
        values = draws[:, column : column + DRAWS[name]]
        column += DRAWS[name]
        images = _AUGMENTATIONS[name](images, values)
    return images


def _per_example(values):
    return values[:, None, None, None]


def _color(images, u):
    images = images + _per_example(u[:, 0] - 0.5)
    mean = tf.reduce_mean(images, axis=3, keepdims=True)
    images = (images - mean) * _per_example(2.0 * u[:, 1]) + mean
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    return (images - mean) * _per_example(u[:, 2] + 0.5) + mean


def _shift(images, shift, axis):
    """Moves each example by its integer `shift` (N,) along `axis` (1 rows, 2 columns); the
    pixels shifted in are zero."""
    size = tf.shape(images)[axis]
    source = tf.range(size)[None, :] - shift[:, None]
    inside = tf.cast((source >= 0) & (source < size), images.dtype)
    moved = tf.gather(images, tf.clip_by_value(source, 0, size - 1), axis=axis, batch_dims=1)
    shape = [-1, size, 1, 1] if axis == 1 else [-1, 1, size, 1]
    return moved * tf.reshape(inside, shape)


def _translation(images, u):
    shape = tf.shape(images)
    for axis, values in ((1, u[:, 0]), (2, u[:, 1])):
        limit = tf.cast(tf.cast(shape[axis], tf.float32) * TRANSLATION_RATIO + 0.5, tf.int32)
        # An integer in [-limit, limit], each value equally likely.
        shift = tf.cast(tf.floor(values * tf.cast(2 * limit + 1, tf.float32)), tf.int32) - limit
        images = _shift(images, tf.minimum(shift, limit), axis)
    return images


def _cutout(images, u):
    shape = tf.shape(images)
    masks = []
    for axis, values in ((1, u[:, 0]), (2, u[:, 1])):
        size = tf.cast(shape[axis], tf.float32)
        centre = tf.floor(values * size)
        half = tf.floor(size * CUTOUT_RATIO / 2.0)
        position = tf.range(size)[None, :]
        start = centre[:, None] - half
        masks.append((position >= start) & (position < start + 2.0 * half))
    hole = tf.logical_and(masks[0][:, :, None], masks[1][:, None, :])
    return images * tf.cast(tf.logical_not(hole), images.dtype)[:, :, :, None]


_AUGMENTATIONS = {"color": _color, "translation": _translation, "cutout": _cutout}
