"""CycleGAN: unpaired translation between two image domains (photo ↔ portrait style)."""

import keras
import tensorflow as tf
from keras import ops

from keras_portrait import losses
from keras_portrait.grids import image_grid
from keras_portrait.layers.diff_augment import diff_augment
from keras_portrait.layers.diff_augment import num_draws
from keras_portrait.layers.diff_augment import parse_policy
from keras_portrait.models.base_gan import BaseGAN
from keras_portrait.models.base_gan import batched_uint8
from keras_portrait.models.base_gan import check_loss_weights
from keras_portrait.models.base_gan import unpack_pair
from keras_portrait.models.cycle_gan.image_pool import ImagePool
from keras_portrait.models.identity_term import IdentityTermMixin
from keras_portrait.models.sample_images import SampleBatchMixin
from keras_portrait.networks.patch_gan import patch_gan_discriminator
from keras_portrait.networks.resnet_generator import resnet_generator


# The smallest face box a 3-layer PatchGAN gives a logit map for.
MIN_FACE_SIDE = 24


@keras.saving.register_keras_serializable(package="keras_portrait")
class CycleGAN(IdentityTermMixin, SampleBatchMixin, BaseGAN):
    """Two generators translate A → B and B → A, each judged by a PatchGAN of its target domain.

    Trains with `fit` on `(images_a, images_b)` batches in [-1, 1], unpaired
    (`keras_portrait.data.unpaired` or `synth_portraits(family="cyclegan")`). Each step runs
    the paper's algorithm: one update of both generators on the least-squares adversarial
    loss, the cycle-consistency L1 loss in both directions and the identity-mapping L1 loss
    (`G(b) ≈ b`, logged as `identity_mapping_loss`); then one update of both discriminators on
    the real images and on fakes from an `ImagePool`, the discriminators' loss halved. The discriminators judge the fakes the generators made before
    their update, as in the reference code. `call(images)` is the A → B generator, so
    exporting the model exports it; `translate(images, direction)` gives uint8 images.

    The identity-aware term (`identity_weight` > 0, logged as `identity_loss`) keeps the sitter
    recognisable: it adds `λ_p · (‖E(a) − E(G(a))‖² + ‖E(b) − E(F(b))‖²)`, batch means of
    squared Euclidean distances between embeddings by `identity_embedder` E, a callable from
    images in [-1, 1] to `(batch, ...)` embeddings (a face-recognition network, frozen). Only
    the generators are updated by it. The embedder is never saved with the model
    (`IdentityTermMixin`): after loading a model that trains with the term, pass it again with
    `set_identity_embedder`. Training with `identity_weight` > 0 and no embedder raises an
    error.

    `fit(validation_data=...)` reports every logged loss on the validation data (`val_...`,
    see `BaseGAN.test_step`); there the discriminators judge the batch's own fakes (the pools
    are neither queried nor filled).

    Under `tf.distribute` strategies every loss, random draw and the image pools are those of
    one device on the global batch (see `ImagePool` for the pools), so a distributed run
    trains like a single-device one.

    Args:
        filters: int. Width of both generators (`ngf`). Defaults to `64`.
        num_blocks: int. Residual blocks of the generators (9 for 256², 6 for 128²).
            Defaults to `9`.
        discriminator_filters: int. Width of both PatchGANs (`ndf`). Defaults to `64`.
        cycle_weight: float. λ_cyc of the cycle L1 loss, in both directions. Defaults to `10.0`.
        identity_mapping_ratio: float. The identity-mapping L1 loss's weight as a fraction of
            `cycle_weight` (λ_idt = 0.5 · λ_cyc in the paper); 0 turns it off. Defaults to `0.5`.
        pool_size: int. Fakes kept per discriminator in its `ImagePool`; 0 turns the pools
            off. The pools take the size of the first images the model sees (the first call or
            training batch), so train on one image size per model. Defaults to `50`.
        identity_embedder: callable or None. Images in [-1, 1] → embeddings, for the
            identity-aware term. Not saved (see above). Defaults to `None`.
        identity_weight: float. λ_p of the identity-aware term. Defaults to `0.0`.
        generator_a2b, generator_b2a: keras.Model or None. Generators to use instead of
            `resnet_generator(filters, num_blocks)`.
        discriminator_a, discriminator_b: keras.Model or None. Discriminators of domains A and
            B to use instead of `patch_gan_discriminator(discriminator_filters)`.
        augment: str. A DiffAugment policy, e.g. `"color,translation,cutout"`: the
            discriminators see every real and generated image through the same random
            differentiable augmentation (`keras_portrait.layers.diff_augment`), in their update
            and in the generators'; for small datasets (hundreds of paintings). `""` (the
            paper): none. Defaults to `""`.
        upsampling: str. The generators' upsampling (`resnet_generator`): "transpose" (the
            paper's) or "blur" (a fixed binomial blur after each transposed convolution: no
            checkerboard, no extra weights). Defaults to `"transpose"`.
        face_box: (top, left, bottom, right) fractions of the image side, or None. Where the
            face lies in aligned crops (e.g. `imaging.alignment.template_box`): a second pair
            of PatchGANs (`discriminator_face_a`, `discriminator_face_b`, as wide as the
            others) judges that box alone, real and fake, and the generators are trained to
            fool them too (`face_adversarial_loss`), so the face itself, not only the picture
            around it, takes the other domain's look. None (the paper): no such term.
            Defaults to `None`.
        face_weight: float. The face term's weight beside the whole-picture adversarial loss.
            Defaults to `1.0`.
        discriminator_face_a, discriminator_face_b: keras.Model or None. Face discriminators
            to use instead of `patch_gan_discriminator(discriminator_filters)` (with
            `face_box`).
        seed: int or None. Seed of the pools' and the augmentation's random draws.

    Reference:
        Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
        Networks", ICCV 2017; Mao et al., "Least Squares Generative Adversarial Networks",
        ICCV 2017.
    """

    LOSS_NAMES = (
        "d_loss_a", "d_loss_b", "g_loss", "adversarial_loss", "cycle_loss",
        "identity_mapping_loss", "identity_loss", "face_adversarial_loss",
    )
    NETWORK_ARGS = ("generator_a2b", "generator_b2a", "discriminator_a", "discriminator_b",
                    "discriminator_face_a", "discriminator_face_b")
    GENERATORS = ("generator_a2b", "generator_b2a")
    DISCRIMINATORS = ("discriminator_a", "discriminator_b", "discriminator_face_a",
                      "discriminator_face_b")
    OPTIMIZERS = ({"learning_rate": 2e-4, "beta_1": 0.5},) * 2

    def __init__(
        self,
        filters=64,
        num_blocks=9,
        discriminator_filters=64,
        cycle_weight=10.0,
        identity_mapping_ratio=0.5,
        pool_size=50,
        identity_embedder=None,
        identity_weight=0.0,
        generator_a2b=None,
        generator_b2a=None,
        discriminator_a=None,
        discriminator_b=None,
        augment="",
        upsampling="transpose",
        face_box=None,
        face_weight=1.0,
        discriminator_face_a=None,
        discriminator_face_b=None,
        seed=None,
        **kwargs,
    ):
        kwargs.pop("discriminator_steps", None)  # one update each per step, as in the paper
        super().__init__(discriminator_steps=1, seed=seed, **kwargs)
        check_loss_weights(
            cycle_weight=cycle_weight,
            identity_mapping_ratio=identity_mapping_ratio,
            identity_weight=identity_weight,
            face_weight=face_weight,
        )
        self.face_box = _check_face_box(face_box)
        self.face_weight = face_weight
        self.init_identity_term(identity_embedder)
        self.filters = filters
        self.num_blocks = num_blocks
        self.discriminator_filters = discriminator_filters
        self.cycle_weight = cycle_weight
        self.identity_mapping_ratio = identity_mapping_ratio
        self.pool_size = pool_size
        self.identity_weight = identity_weight
        self.augment = ",".join(parse_policy(augment))
        self.upsampling = upsampling
        self.generator_a2b = generator_a2b or resnet_generator(
            filters, num_blocks, upsampling=upsampling, name="generator_a2b"
        )
        self.generator_b2a = generator_b2a or resnet_generator(
            filters, num_blocks, upsampling=upsampling, name="generator_b2a"
        )
        self.discriminator_a = discriminator_a or patch_gan_discriminator(
            discriminator_filters, name="discriminator_a"
        )
        self.discriminator_b = discriminator_b or patch_gan_discriminator(
            discriminator_filters, name="discriminator_b"
        )
        self.discriminator_face_a = self.discriminator_face_b = None
        if self.face_box is not None:
            self.discriminator_face_a = discriminator_face_a or patch_gan_discriminator(
                discriminator_filters, name="discriminator_face_a")
            self.discriminator_face_b = discriminator_face_b or patch_gan_discriminator(
                discriminator_filters, name="discriminator_face_b")
        # pool_a keeps fakes of domain A (made by generator_b2a) for discriminator_a.
        self.pool_a = ImagePool(pool_size, name="pool_a")
        self.pool_b = ImagePool(pool_size, name="pool_b")
        # The networks are built functional models; the pools build themselves (see `call`).
        self.built = True

    def build_pools(self, images_shape):
        """Makes the pools' variables for images of `images_shape` (NHWC), unless made."""
        for pool in (self.pool_a, self.pool_b):
            if not pool.built:
                pool.build(images_shape)

    def compile(self, g_optimizer=None, d_optimizer=None, jit_compile="auto", **kwargs):
        """Sets the optimizers (Adam(2e-4, β1=0.5) each when None) and XLA.

        XLA is on by default (`"auto"`) when training on one device: it is the fastest correct
        step measured on 2 CPU cores — at batch 1 with the reference networks, 8.7 s/step
        against 14.5 s without at 128², 37.6 against 42.1 at 256²
        (benchmarks/results/cyclegan_step.json), for a longer first step (the compilation). It
        stays off under `tf.distribute` strategies (the XLA step fails there) and when the
        identity embedder does not support XLA (`supports_jit=False`, e.g. FaceNet with its
        antialiased resize: load it with `antialias=False` to train with XLA). Pass
        `jit_compile=False` for runs that must match a distributed run to the last digits.
        See `BaseGAN.compile`.
        """
        super().compile(g_optimizer, d_optimizer, jit_compile=jit_compile, **kwargs)

    def unused_losses(self):
        face = self.face_weight if self.face_box is not None else 0
        return tuple(name for name, weight in (("identity_loss", self.identity_weight),
                                               ("identity_mapping_loss",
                                                self.identity_mapping_ratio),
                                               ("face_adversarial_loss", face))
                     if weight == 0)

    def call(self, images, training=False):
        if not self.pool_a.built and None not in tuple(images.shape)[1:]:
            # Under a strategy, `fit` calls the model on a batch before its first step: the
            # pools' variables must be made then, outside the replica context of the step.
            # Without one, the first step makes them from the first fakes.
            self.build_pools(images.shape)
        return self.generator_a2b(images, training=training)

    def fit(self, x=None, *args, **kwargs):
        # Pools made inside the first traced step make TensorFlow trace the step a second
        # time (tens of seconds for the reference networks): make them from the data first.
        spec = getattr(x, "element_spec", None)
        if isinstance(spec, (tuple, list)) and len(spec) == 2:
            shape = tuple(getattr(spec[0], "shape", ()))
            if len(shape) == 4 and None not in shape[1:]:
                self.build_pools(shape)
        return super().fit(x, *args, **kwargs)

    # --- the algorithm ------------------------------------------------------------------------
    def train_step(self, batch):
        fakes = self.generator_step(batch)
        self.discriminator_step(batch, fakes)
        return self.logged_results()

    def generator_loss(self, real_a, real_b):
        """The generators' total loss, the logged terms and the fakes `(fake_a, fake_b)`."""
        fake_b = self.generator_a2b(real_a, training=True)
        fake_a = self.generator_b2a(real_b, training=True)
        adversarial = losses.lsgan_generator_loss(
            self.discriminator_b(self.augmented(fake_b), training=True)
        ) + losses.lsgan_generator_loss(
            self.discriminator_a(self.augmented(fake_a), training=True))
        cycle = self.cycle_weight * (
            losses.l1_loss(real_a, self.generator_b2a(fake_b, training=True))
            + losses.l1_loss(real_b, self.generator_a2b(fake_a, training=True))
        )
        mapping = ops.zeros((), "float32")
        if self.identity_mapping_ratio > 0:
            mapping = self.identity_mapping_ratio * self.cycle_weight * (
                losses.l1_loss(real_b, self.generator_a2b(real_b, training=True))
                + losses.l1_loss(real_a, self.generator_b2a(real_a, training=True))
            )
        identity = self.identity_loss((real_a, fake_b), (real_b, fake_a))
        face = ops.zeros((), "float32")
        if self.face_box is not None:
            face = self.face_weight * (
                losses.lsgan_generator_loss(self.discriminator_face_b(
                    self.augmented(self.face_crop(fake_b)), training=True))
                + losses.lsgan_generator_loss(self.discriminator_face_a(
                    self.augmented(self.face_crop(fake_a)), training=True)))
        total = adversarial + cycle + mapping + identity + face
        logged = {
            "g_loss": total,
            "adversarial_loss": adversarial,
            "cycle_loss": cycle,
            "identity_mapping_loss": mapping,
            "identity_loss": identity,
            "face_adversarial_loss": face,
        }
        return total, logged, (fake_a, fake_b)

    def face_crop(self, images):
        """The `face_box` of each image (NHWC); static bounds when the size is known."""
        top, left, bottom, right = self.face_box
        height, width = images.shape[1], images.shape[2]
        if height is not None and width is not None:
            rows = round(top * height), round(bottom * height)
            columns = round(left * width), round(right * width)
            side = min(rows[1] - rows[0], columns[1] - columns[0])
            if side < MIN_FACE_SIDE:
                raise ValueError(f"The face box of {height}x{width} images is {side} px wide: "
                                 f"the face discriminators need {MIN_FACE_SIDE}; train at a "
                                 "larger size or with a larger `face_box`.")
            return images[:, rows[0]:rows[1], columns[0]:columns[1], :]
        size = tf.cast(tf.shape(images)[1:3], tf.float32)
        start = tf.cast(tf.round(size * [top, left]), tf.int32)
        end = tf.cast(tf.round(size * [bottom, right]), tf.int32)
        return images[:, start[0]:end[0], start[1]:end[1], :]

    def discriminator_loss(self, real_a, real_b, fake_a, fake_b):
        """Both discriminators' losses, halved (the reference slows D relative to G); the face
        discriminators' join their domain's (logged as d_loss_a, d_loss_b)."""
        loss_a = self._halved_loss(self.discriminator_a, real_a, fake_a)
        loss_b = self._halved_loss(self.discriminator_b, real_b, fake_b)
        if self.face_box is not None:
            loss_a += self._halved_loss(self.discriminator_face_a, self.face_crop(real_a),
                                        self.face_crop(fake_a))
            loss_b += self._halved_loss(self.discriminator_face_b, self.face_crop(real_b),
                                        self.face_crop(fake_b))
        return loss_a + loss_b, {"d_loss_a": loss_a, "d_loss_b": loss_b}

    def _halved_loss(self, network, real, fake):
        return 0.5 * losses.lsgan_discriminator_loss(
            network(self.augmented(real), training=True),
            network(self.augmented(fake), training=True))

    def augmented(self, images):
        """`images` through the DiffAugment policy `augment` (fresh draws), or as they are."""
        if not self.augment:
            return images
        draws = self.uniform(tf.shape(images)[0], (num_draws(self.augment),))
        return diff_augment(images, self.augment, draws)

    def generator_step(self, batch):
        """One update of both generators; returns the fakes they made before it."""
        real_a, real_b = _domains(batch)
        with tf.GradientTape() as tape:
            loss, logged, fakes = self.generator_loss(real_a, real_b)
        self.apply_gradients(tape, loss, self.generators, self.g_optimizer)
        self.track(**logged)
        return fakes

    def discriminator_step(self, batch, fakes):
        """One update of both discriminators on real images and on pooled `fakes`."""
        real_a, real_b = _domains(batch)
        fake_a, fake_b = (tf.stop_gradient(fake) for fake in fakes)
        fake_a = self.pool_a.query(fake_a, self.uniform(tf.shape(fake_a)[0], (2,)))
        fake_b = self.pool_b.query(fake_b, self.uniform(tf.shape(fake_b)[0], (2,)))
        with tf.GradientTape() as tape:
            loss, logged = self.discriminator_loss(real_a, real_b, fake_a, fake_b)
        self.apply_gradients(tape, loss, self.discriminators, self.d_optimizer)
        self.track(**logged)

    def validation_losses(self, batch):
        """The generators' losses on `batch`, then the discriminators' on its real images and
        on the fakes just made (no pool), as the sub-steps compute them."""
        real_a, real_b = _domains(batch)
        _, logged, (fake_a, fake_b) = self.generator_loss(real_a, real_b)
        _, d_logged = self.discriminator_loss(real_a, real_b, fake_a, fake_b)
        return {**logged, **d_logged}

    # --- inference ----------------------------------------------------------------------------
    def translate(self, images, direction="a2b", batch_size=64):
        """uint8 translations (N, H, W, 3) of images in [-1, 1], `direction` "a2b" or "b2a"."""
        generators = {"a2b": self.generator_a2b, "b2a": self.generator_b2a}
        if direction not in generators:
            raise ValueError(
                f"`direction` must be one of {sorted(generators)}. Received: {direction!r}"
            )
        generator = generators[direction]
        return batched_uint8(lambda x: generator(x, training=False),
                             ops.convert_to_tensor(images, "float32"), batch_size)

    def sample_grid(self, inputs, batch_size=64):
        """A uint8 grid, one row per input: input | translation A → B | back to A."""

        def row(real):
            fake = self.generator_a2b(real, training=False)
            return ops.stack([real, fake, self.generator_b2a(fake, training=False)], axis=1)

        rows = batched_uint8(row, ops.convert_to_tensor(inputs, "float32"), batch_size)
        return image_grid(rows.reshape(-1, *rows.shape[2:]), columns=3,
                          labels=("input A", "to B", "back to A"))

    # --- serialization ------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.pop("discriminator_steps")
        return {
            **config,
            "filters": self.filters,
            "num_blocks": self.num_blocks,
            "discriminator_filters": self.discriminator_filters,
            "cycle_weight": self.cycle_weight,
            "identity_mapping_ratio": self.identity_mapping_ratio,
            "pool_size": self.pool_size,
            "identity_weight": self.identity_weight,
            "augment": self.augment,
            "upsampling": self.upsampling,
            "face_box": None if self.face_box is None else list(self.face_box),
            "face_weight": self.face_weight,
        }


def _check_face_box(box):
    if box is None:
        return None
    box = tuple(float(v) for v in box)
    if len(box) != 4 or not (0 <= box[0] < box[2] <= 1 and 0 <= box[1] < box[3] <= 1):
        raise ValueError("`face_box` must be (top, left, bottom, right) fractions with top < "
                         f"bottom and left < right, in [0, 1]. Received: {box}")
    return box


def _domains(batch):
    return unpack_pair(batch, "CycleGAN", "(images_a, images_b)")
