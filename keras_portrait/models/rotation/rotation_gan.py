"""The rotation GAN: turns rendered, holed portraits (a head turned through a 3D mesh) into clean
ones, trained self-supervised on Rotate-and-Render pairs."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_portrait import losses
from keras_portrait.grids import image_grid
from keras_portrait.grids import to_uint8
from keras_portrait.models.base_gan import BaseGAN
from keras_portrait.models.base_gan import batched_uint8
from keras_portrait.models.base_gan import check_loss_weights
from keras_portrait.models.identity_term import IdentityTermMixin
from keras_portrait.models.multiscale import discriminator_hinge_loss
from keras_portrait.models.multiscale import generator_hinge_and_matching
from keras_portrait.models.multiscale import split_scales
from keras_portrait.models.sample_images import SampleBatchMixin
from keras_portrait.models.rotation.rotation_networks import render_generator
from keras_portrait.networks.multiscale_discriminator import multiscale_discriminator

# Colour of the holes in sample sheets.
HOLE_COLOR = np.array([255, 0, 255], np.uint8)


@keras.saving.register_keras_serializable(package="keras_portrait")
class RotationGAN(IdentityTermMixin, SampleBatchMixin, BaseGAN):
    """Face rotation by rendering and cleaning, after Rotate-and-Render (Zhou et al.).

    A portrait's head is fitted with a 3D mesh textured by the portrait itself, turned and
    rendered (`keras_portrait.face.rotate_render`): the render is geometrically right but has
    holes where unseen parts came into view and smears where the texture was seen edge-on.
    This model cleans such renders. It trains without multi-view data on
    `{"render", "holes", "target"}` batches (`keras_portrait.models.rotation.rotation_dataset` or
    `synth_rotation_pairs`): a portrait turned away and back again (`rotation_pair`) has the
    artifacts of a turn, and the portrait itself is the target — so it learns from paintings
    as well as from photos, and keeps their style.

    Each step: `discriminator_steps` updates of a conditional multi-scale PatchGAN (it sees an
    image with the render and holes it came from) on hinge losses; then one generator update on
    the hinge generator loss, feature matching (λ_fm, as GauGAN), the L1 distance to the target
    (λ_l1) and, with an `identity_embedder` (FaceNet: `keras_portrait.face.load_facenet`), the
    squared distance between the embeddings of the target and the output (λ_id). TTUR:
    Adam(1e-4) for the generator, Adam(4e-4) for the discriminator, β = (0, 0.999).

    `call([render, holes])` is the generator; `clean` takes and gives uint8 images.

    Args:
        filters: int. Generator width. Defaults to `64`.
        num_downsamplings: int. Encoder downsamplings. Defaults to `2`.
        num_blocks: int. SPADE residual blocks at the bottleneck. Defaults to `6`.
        spade_hidden: int. Channels of the SPADE layers' shared convolution. Defaults to `128`.
        discriminator_filters: int. Discriminator width. Defaults to `64`.
        discriminator_layers: int. Convolutions per scale before the logits. Defaults to `4`.
        num_scales: int. Discriminator scales. Defaults to `2`.
        residual: bool. The generator corrects the render instead of redrawing it (see
            `render_generator`). Defaults to `True`.
        fill_holes: bool. The generator fills the holes by pull-push first and corrects that
            (`kp.layers.PushPullFill`): the untrained model is a classical inpainting.
            Defaults to `False`.
        keep_known: bool. The output keeps the render's pixels outside the holes and the
            losses act on the holes alone (see `render_generator`). Defaults to `False`.
        feature_matching_weight: float. λ_fm. Defaults to `10.0`.
        l1_weight: float. λ_l1. Defaults to `10.0`.
        identity_weight: float. λ_id, used when an embedder is set. Defaults to `1.0`.
        identity_embedder: callable or None. Images in [-1, 1] → embeddings. Not saved: pass
            it again with `set_identity_embedder` after loading. Defaults to `None`.
        discriminator_steps: int. Defaults to `1`.
        generator, discriminator: keras.Model or None. Networks to use instead of the
            defaults built from the arguments above.
        seed: int or None.

    Reference:
        Zhou et al., "Rotate-and-Render: Unsupervised Photorealistic Face Rotation from
        Single-View Images", CVPR 2020; Wang et al., "pix2pixHD", CVPR 2018.
    """

    LOSS_NAMES = ("d_loss", "g_loss", "g_adversarial_loss", "feature_matching_loss", "l1_loss",
                  "identity_loss")
    NETWORK_ARGS = ("generator", "discriminator")
    GENERATORS = ("generator",)
    DISCRIMINATORS = ("discriminator",)
    OPTIMIZERS = ({"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.999},
                  {"learning_rate": 4e-4, "beta_1": 0.0, "beta_2": 0.999})
    # The identity term is on once an embedder is set (identity_weight defaults to 1).
    IDENTITY_EMBEDDER_REQUIRED = False
    # The columns of `sample_grid`.
    SAMPLE_LABELS = ("render", "cleaned", "target")

    def __init__(
        self,
        filters=64,
        num_downsamplings=2,
        num_blocks=6,
        spade_hidden=128,
        discriminator_filters=64,
        discriminator_layers=4,
        num_scales=2,
        residual=True,
        fill_holes=False,
        keep_known=False,
        feature_matching_weight=10.0,
        l1_weight=10.0,
        identity_weight=1.0,
        identity_embedder=None,
        discriminator_steps=1,
        generator=None,
        discriminator=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(discriminator_steps=discriminator_steps, seed=seed, **kwargs)
        check_loss_weights(feature_matching_weight=feature_matching_weight, l1_weight=l1_weight,
                           identity_weight=identity_weight)
        self.init_identity_term(identity_embedder)
        self.filters = filters
        self.num_downsamplings = num_downsamplings
        self.num_blocks = num_blocks
        self.spade_hidden = spade_hidden
        self.discriminator_filters = discriminator_filters
        self.discriminator_layers = discriminator_layers
        self.num_scales = num_scales
        self.residual = residual
        self.fill_holes = bool(fill_holes)
        self.keep_known = bool(keep_known)
        self.feature_matching_weight = feature_matching_weight
        self.l1_weight = l1_weight
        self.identity_weight = identity_weight
        self.generator = generator or render_generator(
            filters, num_downsamplings, num_blocks, spade_hidden, residual=residual,
            fill_holes=fill_holes, keep_known=keep_known)
        # The condition the discriminator sees with each image: render (3) and holes (1).
        self.discriminator = discriminator or multiscale_discriminator(
            4, discriminator_filters, discriminator_layers, num_scales)
        self.built = True

    def call(self, inputs, training=False):
        render, holes = inputs
        return self.generator([render, holes], training=training)

    # --- the algorithm ------------------------------------------------------------------------
    def discriminate(self, images, render, holes):
        condition = ops.concatenate([ops.convert_to_tensor(render, "float32"),
                                     ops.convert_to_tensor(holes, "float32")], axis=-1)
        outputs = self.discriminator([ops.convert_to_tensor(images, "float32"), condition],
                                     training=True)
        return split_scales(outputs, self.num_scales)

    def discriminator_loss(self, render, holes, target, fakes):
        loss = discriminator_hinge_loss(self.discriminate(target, render, holes),
                                        self.discriminate(fakes, render, holes))
        return loss, {"d_loss": loss}

    def generator_loss(self, render, holes, target):
        render, holes, target = (ops.convert_to_tensor(x, "float32")
                                 for x in (render, holes, target))
        fakes = self.generator([render, holes], training=True)
        adversarial, matching = generator_hinge_and_matching(
            self.discriminate(target, render, holes), self.discriminate(fakes, render, holes),
            self.feature_matching_weight)
        l1 = self.l1_weight * losses.l1_loss(target, fakes)
        identity = self.identity_loss((target, fakes))
        total = adversarial + matching + l1 + identity
        return total, {"g_loss": total, "g_adversarial_loss": adversarial,
                       "feature_matching_loss": matching, "l1_loss": l1,
                       "identity_loss": identity}

    def discriminator_step(self, batch):
        render, holes, target = unpack_pairs(batch)
        fakes = tf.stop_gradient(self.generator([render, holes], training=True))
        with tf.GradientTape() as tape:
            loss, logged = self.discriminator_loss(render, holes, target, fakes)
        self.apply_gradients(tape, loss, self.discriminators, self.d_optimizer)
        self.track(**logged)

    def generator_step(self, batch):
        render, holes, target = unpack_pairs(batch)
        with tf.GradientTape() as tape:
            loss, logged = self.generator_loss(render, holes, target)
        self.apply_gradients(tape, loss, self.generators, self.g_optimizer)
        self.track(**logged)

    def validation_losses(self, batch):
        """The discriminator's loss on `batch` and the generator's images, then the
        generator's losses, as the sub-steps compute them (see `BaseGAN.test_step`)."""
        render, holes, target = unpack_pairs(batch)
        fakes = self.generator([render, holes], training=True)
        _, logged = self.discriminator_loss(render, holes, target, fakes)
        _, g_logged = self.generator_loss(render, holes, target)
        return {**logged, **g_logged}

    # --- inference ----------------------------------------------------------------------------
    def with_keep_known(self, keep_known=True):
        """This model with its generator keeping (or not) the rendered pixels, same weights.

        `keep_known` is a fixed 0/1 blend after the generator's last layer, so a generator
        trained on whole images paints only the holes once it is set: on SynthPortraits a
        `fill_holes` generator trained without it and used with it scored the highest SSIM
        measured, level with Telea inpainting on PSNR, without the dark specks in small holes
        of one trained with it (docs/rotation.md). Returns a new, uncompiled `RotationGAN` with
        the same settings, weights and identity embedder; this one is unchanged. The networks
        are rebuilt from the settings: a model made with its own `generator` keeps only the
        weights, and a ValueError says so when they do not fit.
        """
        config = {key: value for key, value in self.get_config().items()
                  if key not in self.NETWORK_ARGS and key not in ("trainable", "dtype")}
        copy = type(self)(**{**config, "keep_known": bool(keep_known)})
        try:
            copy.generator.set_weights(self.generator.get_weights())
            copy.discriminator.set_weights(self.discriminator.get_weights())
        except ValueError as error:
            raise ValueError("with_keep_known rebuilds the networks from the model's settings; "
                             "a model built with its own `generator` or `discriminator` cannot "
                             f"be rebuilt that way ({error})") from None
        copy.set_identity_embedder(self._embedder.value)
        return copy

    def clean(self, renders, holes, batch_size=16):
        """uint8 (N, H, W, 3) clean portraits of uint8 renders (N, H, W, 3) and their bool
        hole masks (N, H, W); one render (H, W, 3) with its (H, W) mask works too."""
        renders, holes = np.asarray(renders), np.asarray(holes)
        single = renders.ndim == 3
        if single:
            renders, holes = renders[None], holes[None]
        if renders.shape[:3] != holes.shape[:3] or renders.shape[-1] != 3:
            raise ValueError(f"Expected renders (N, H, W, 3) and holes (N, H, W). Received "
                             f"{renders.shape} and {holes.shape}")
        step = 2**self.num_downsamplings
        if renders.shape[1] % step or renders.shape[2] % step:
            raise ValueError(f"Render sides must be multiples of {step}. Received "
                             f"{renders.shape[1:3]}")
        images = renders.astype(np.float32) / 127.5 - 1.0
        masks = holes.astype(np.float32)[..., None]
        cleaned = batched_uint8(lambda x, m: self.generator([x, m], training=False),
                                [images, masks], batch_size)
        return cleaned[0] if single else cleaned

    def sample_examples(self, batch):
        """The `{"render", "holes", "target"}` arrays of `batch`, which sample sheets show
        (`set_sample_batch`)."""
        render, holes, target = (np.asarray(v, np.float32) for v in unpack_pairs(batch))
        return {"render": render, "holes": holes, "target": target}

    def sample_grid(self, inputs, batch_size=16):
        """A uint8 grid, one row per example, under `SAMPLE_LABELS`: render (holes in
        magenta) | cleaned | target."""
        render = to_uint8(inputs["render"])
        holes = np.asarray(inputs["holes"])[..., 0] > 0.5
        cleaned = self.clean(render, holes, batch_size=batch_size)
        shown = render.copy()
        shown[holes] = HOLE_COLOR
        rows = np.stack([shown, cleaned, to_uint8(inputs["target"])], axis=1)
        return image_grid(rows.reshape(-1, *rows.shape[2:]), labels=self.SAMPLE_LABELS)

    # --- serialization ------------------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "num_downsamplings": self.num_downsamplings,
            "num_blocks": self.num_blocks,
            "spade_hidden": self.spade_hidden,
            "discriminator_filters": self.discriminator_filters,
            "discriminator_layers": self.discriminator_layers,
            "num_scales": self.num_scales,
            "residual": self.residual,
            "fill_holes": self.fill_holes,
            "keep_known": self.keep_known,
            "feature_matching_weight": self.feature_matching_weight,
            "l1_weight": self.l1_weight,
            "identity_weight": self.identity_weight,
        }


def unpack_pairs(batch):
    """`(render, holes, target)` of a `{"render", "holes", "target"}` batch, or a ValueError."""
    if isinstance(batch, dict) and {"render", "holes", "target"} <= set(batch):
        holes = ops.convert_to_tensor(batch["holes"], "float32")
        if len(holes.shape) == 3:
            holes = holes[..., None]
        return (ops.convert_to_tensor(batch["render"], "float32"), holes,
                ops.convert_to_tensor(batch["target"], "float32"))
    raise ValueError(
        'RotationGAN trains on {"render", "holes", "target"} batches '
        "(keras_portrait.models.rotation.rotation_dataset or synth_rotation_pairs). Received: "
        f"{type(batch).__name__}" + (f" with keys {sorted(batch)}" if isinstance(batch, dict)
                                     else ""))
