"""GauGAN (SPADE): portraits from a face mask, a style code and metadata (age, gender, glasses)."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_portrait import losses
from keras_portrait.grids import image_grid
from keras_portrait.grids import to_uint8
from keras_portrait.labels import MASK_CLASSES
from keras_portrait.models.base_gan import BaseGAN
from keras_portrait.models.base_gan import batched_uint8
from keras_portrait.models.base_gan import check_callable
from keras_portrait.models.base_gan import check_loss_weights
from keras_portrait.models.multiscale import discriminator_hinge_loss
from keras_portrait.models.multiscale import generator_hinge_and_matching
from keras_portrait.models.multiscale import generator_hinge_loss
from keras_portrait.models.multiscale import split_scales
from keras_portrait.models.sample_images import SampleBatchMixin
from keras_portrait.models.sample_images import Unsaved
from keras_portrait.models.gaugan.gaugan_networks import metadata_critic
from keras_portrait.networks.multiscale_discriminator import multiscale_discriminator
from keras_portrait.models.gaugan.gaugan_networks import spade_generator
from keras_portrait.models.gaugan.gaugan_networks import style_encoder


# One colour per class of MASK_CLASSES, for sample sheets.
MASK_COLORS = np.array(
    [(0, 0, 0), (230, 180, 140), (120, 60, 20), (40, 200, 255), (255, 60, 60), (60, 255, 60),
     (255, 0, 200)], np.uint8,
)


def colorize_mask(mask):
    """uint8 RGB (…, H, W, 3) of class-id masks (…, H, W), one colour per class (cycled)."""
    mask = np.asarray(mask).astype(np.int64)
    return MASK_COLORS[mask % len(MASK_COLORS)]


@keras.saving.register_keras_serializable(package="keras_portrait")
class GauGAN(SampleBatchMixin, BaseGAN):
    """Semantic image synthesis with SPADE, conditioned on global metadata, after Park et al.

    Trains with `fit` on `{"image", "mask", "metadata"}` batches: images in [-1, 1], masks of
    class ids `(batch, H, W)` (`keras_portrait.labels.MASK_CLASSES` by default), metadata
    float vectors `(batch, metadata_dim)` (`keras_portrait.data.METADATA_NAMES`: age, gender,
    glasses). `synth_portraits(family="gaugan")` renders all three exactly; for real photos
    `keras-portrait prepare` writes the masks.

    The generator turns `[one-hot mask, style code, metadata]` into an image (SPADE residual
    blocks: the mask holds the layout); the style encoder maps an image to the mean and
    log-variance of its code (a VAE: the code carries colour and texture), and the metadata is
    concatenated to the code, so one value can change while the mask and the style hold —
    the portrait seed's age and glasses control. Each step: `discriminator_steps` updates of
    the multi-scale PatchGAN on hinge losses, then one update of generator and encoder on
    the hinge generator loss, feature matching (λ_fm, L1 between the discriminator's
    features of real and generated images, summed over layers and averaged over scales as the
    reference), the KL divergence of the code (λ_kl) and, with a `perceptual_network`, the
    perceptual loss (λ_p; L1 between its features of real and generated images, weighted by
    `perceptual_layer_weights`). Optimizers: TTUR, Adam(1e-4) for the generator and the
    encoder, Adam(4e-4) for the discriminator, β = (0, 0.999).

    Metadata control (`metadata_weight` > 0; not in the seed, whose controls this package
    measured to have no effect: the code of a sitter's own image already tells the generator
    whether she wears glasses, and nothing asks it to listen to the metadata). A
    `metadata_critic` on the discriminator's side learns to read the metadata of real images
    (sigmoid cross-entropy, λ_meta); the generator also draws every example with one metadata
    value edited (a random column v → 1 − v: glasses on or off, gender swapped, age mirrored)
    and the same mask and code, and is asked, on both images, for the hinge adversarial
    loss and for the critic to read the metadata it was given (λ_meta). Feature matching and
    the perceptual loss stay on the unedited image, whose target is the real one; the edited
    image is held to the unedited one by an L1 term (λ_edit, gradient through the edited
    image only), so an edit changes what it must and keeps the rest — without it, toggling
    glasses was measured to repaint the background. With `metadata_in_spade` the metadata
    also enters every SPADE block's condition.

    `call([mask one-hot, code, metadata])` is the generator; `synthesize` gives uint8 images
    from class-id masks, with the code of a style image or drawn from a seed.

    Args:
        num_classes: int. Mask classes. Defaults to `7`.
        metadata_dim: int. Length of the metadata vector; 0 for none (the reference).
            Defaults to `3`.
        image_size: int. Side of the square images, a multiple of 32. Defaults to `128`.
        code_dim: int. Style-code size (256 in the reference, 128 in the portrait seed).
            Defaults to `256`.
        filters: int. Generator width (`ngf`). Defaults to `64`.
        encoder_filters: int. Encoder width. Defaults to `64`.
        discriminator_filters: int. Discriminator width (`ndf`). Defaults to `64`.
        discriminator_layers: int. Convolutions per scale before the logits. Defaults to `4`.
        num_scales: int. Discriminator scales. Defaults to `2`.
        spade_hidden: int. Channels of the SPADE layers' shared convolution. Defaults to
            `128`.
        metadata_in_spade: bool. Metadata as constant channels of every SPADE condition, next
            to the mask. Defaults to `True`.
        metadata_weight: float. λ_meta of the metadata critic's loss, for both players; 0
            trains without critic and edited metadata (the seed). Defaults to `1.0`.
        critic_filters: int. Width of the metadata critic. Defaults to `64`.
        edit_l1_weight: float. λ_edit: L1 between the image drawn with edited metadata and
            the one drawn with the given metadata (with a critic only). Defaults to `5.0`.
        feature_matching_weight: float. λ_fm. Defaults to `10.0`.
        kl_weight: float. λ_kl. Defaults to `0.05`.
        perceptual_weight: float. λ_p, used when `perceptual_network` is set. Defaults to
            `10.0`.
        perceptual_network: callable or None. Images in [-1, 1] → a list of feature tensors
            (frozen; e.g. `keras_portrait.networks.vgg19_features(path)`). Not saved with the
            model: pass it again with `set_perceptual_network` after loading. Defaults to
            `None` (no perceptual term).
        perceptual_layer_weights: sequence of float or None. One weight per feature tensor
            (the reference's VGG weights are 1/32, 1/16, 1/8, 1/4, 1); None weighs each 1.
        discriminator_steps: int. Discriminator updates per generator update (the portrait
            seed used 2 when training was unstable). Defaults to `1`.
        generator, encoder, discriminator, critic: keras.Model or None. Networks to use
            instead of the defaults built from the arguments above (`critic` only with
            `metadata_weight` > 0 and metadata).
        seed: int or None. Seed of the code draws.

    Reference:
        Park et al., "Semantic Image Synthesis with Spatially-Adaptive Normalization", CVPR
        2019; Heusel et al., "GANs Trained by a Two Time-Scale Update Rule", NeurIPS 2017;
        Odena et al., "Conditional Image Synthesis with Auxiliary Classifier GANs", ICML 2017.
    """

    LOSS_NAMES = (
        "d_loss", "d_metadata_loss", "g_loss", "g_adversarial_loss", "feature_matching_loss",
        "kl_loss", "perceptual_loss", "g_metadata_loss", "edit_l1_loss",
    )
    NETWORK_ARGS = ("generator", "encoder", "discriminator", "critic")
    GENERATORS = ("generator", "encoder")
    DISCRIMINATORS = ("discriminator", "critic")  # no critic without metadata control
    OPTIMIZERS = ({"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.999},
                  {"learning_rate": 4e-4, "beta_1": 0.0, "beta_2": 0.999})
    # The columns of `sample_grid`.
    SAMPLE_LABELS = ("mask", "real", "own style", "random style")

    def __init__(
        self,
        num_classes=len(MASK_CLASSES),
        metadata_dim=3,
        image_size=128,
        code_dim=256,
        filters=64,
        encoder_filters=64,
        discriminator_filters=64,
        discriminator_layers=4,
        num_scales=2,
        spade_hidden=128,
        metadata_in_spade=True,
        metadata_weight=1.0,
        critic_filters=64,
        edit_l1_weight=5.0,
        feature_matching_weight=10.0,
        kl_weight=0.05,
        perceptual_weight=10.0,
        perceptual_network=None,
        perceptual_layer_weights=None,
        discriminator_steps=1,
        generator=None,
        encoder=None,
        discriminator=None,
        critic=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(discriminator_steps=discriminator_steps, seed=seed, **kwargs)
        check_loss_weights(
            feature_matching_weight=feature_matching_weight,
            kl_weight=kl_weight,
            perceptual_weight=perceptual_weight,
            metadata_weight=metadata_weight,
            edit_l1_weight=edit_l1_weight,
        )
        check_callable("perceptual_network", perceptual_network,
                       "images → list of features")
        self.num_classes = num_classes
        self.metadata_dim = metadata_dim
        self.image_size = image_size
        self.code_dim = code_dim
        self.filters = filters
        self.encoder_filters = encoder_filters
        self.discriminator_filters = discriminator_filters
        self.discriminator_layers = discriminator_layers
        self.num_scales = num_scales
        self.spade_hidden = spade_hidden
        self.metadata_in_spade = bool(metadata_in_spade)
        self.metadata_weight = float(metadata_weight) if metadata_dim else 0.0
        self.critic_filters = critic_filters
        self.edit_l1_weight = float(edit_l1_weight)
        self.feature_matching_weight = feature_matching_weight
        self.kl_weight = kl_weight
        self.perceptual_weight = perceptual_weight
        self.perceptual_layer_weights = (
            None if perceptual_layer_weights is None
            else [float(w) for w in perceptual_layer_weights]
        )
        self.generator = generator or spade_generator(
            num_classes, metadata_dim, image_size, code_dim, filters, spade_hidden,
            metadata_in_spade=metadata_in_spade,
        )
        self.encoder = encoder or style_encoder(image_size, code_dim, encoder_filters)
        self.discriminator = discriminator or multiscale_discriminator(
            num_classes, discriminator_filters, discriminator_layers, num_scales
        )
        self.critic = None
        if self.metadata_weight > 0:
            self.critic = critic or metadata_critic(image_size, metadata_dim, critic_filters)
        elif critic is not None:
            raise ValueError("`critic` is used only with metadata and `metadata_weight` > 0.")
        self._perceptual = Unsaved(perceptual_network)
        self.built = True

    def external_networks(self):
        network = self._perceptual.value
        return [network] if network is not None and self.perceptual_weight > 0 else []

    def set_perceptual_network(self, network, layer_weights=None):
        """Sets (or clears, with None) the feature network of the perceptual loss."""
        if network is not None and not callable(network):
            raise ValueError(f"`network` must be callable. Received: {type(network).__name__}")
        self._perceptual.value = network
        if layer_weights is not None:
            self.perceptual_layer_weights = [float(w) for w in layer_weights]
        self.refresh_jit_compile()

    def call(self, inputs, training=False):
        return self.generator(list(inputs), training=training)

    # --- the algorithm ------------------------------------------------------------------------
    def one_hot(self, mask):
        return ops.one_hot(ops.cast(mask, "int32"), self.num_classes)

    def generator_inputs(self, masks_one_hot, code, metadata):
        inputs = [ops.convert_to_tensor(masks_one_hot, "float32"),
                  ops.convert_to_tensor(code, "float32")]
        if self.metadata_dim:
            inputs.append(ops.convert_to_tensor(metadata, "float32"))
        return inputs

    def encode(self, images, training=True):
        """A reparameterized style code `mu + σ·ε` of `images`, with `(mu, logvar)`."""
        mu, logvar = self.encoder(ops.convert_to_tensor(images, "float32"), training=training)
        epsilon = self.normal(ops.shape(images)[0], (self.code_dim,))
        return mu + ops.exp(0.5 * logvar) * epsilon, mu, logvar

    def discriminate(self, images, masks_one_hot):
        """The discriminator's outputs split per scale: [[features…, logits], …]."""
        outputs = self.discriminator(
            [ops.convert_to_tensor(images, "float32"),
             ops.convert_to_tensor(masks_one_hot, "float32")], training=True,
        )
        return split_scales(outputs, self.num_scales)

    def discriminator_loss(self, images, masks_one_hot, fakes, metadata=None):
        real = self.discriminate(images, masks_one_hot)
        fake = self.discriminate(fakes, masks_one_hot)
        loss = discriminator_hinge_loss(real, fake)
        reading = ops.zeros((), "float32")
        if self.critic is not None:
            reading = self.metadata_weight * self.metadata_reading_loss(images, metadata)
        return loss + reading, {"d_loss": loss, "d_metadata_loss": reading}

    def metadata_reading_loss(self, images, metadata):
        """Sigmoid cross-entropy of the critic's reading of `images` against `metadata`."""
        logits = self.critic(ops.convert_to_tensor(images, "float32"), training=True)
        return losses.attribute_cross_entropy(logits, metadata)

    def edit_metadata(self, metadata):
        """`metadata` with one random value per example replaced by `1 − value`."""
        metadata = ops.convert_to_tensor(metadata, "float32")
        draw = self.uniform(ops.shape(metadata)[0], (1,))[:, 0]
        column = ops.minimum(ops.cast(draw * self.metadata_dim, "int32"), self.metadata_dim - 1)
        edited = ops.one_hot(column, self.metadata_dim)
        return metadata + edited * (1.0 - 2.0 * metadata)

    def generator_loss(self, images, masks_one_hot, metadata):
        code, mu, logvar = self.encode(images)
        masks_one_hot = ops.convert_to_tensor(masks_one_hot, "float32")
        if self.critic is None:
            fakes = self.generator(self.generator_inputs(masks_one_hot, code, metadata),
                                   training=True)
            fake = self.discriminate(fakes, masks_one_hot)
            judged_fake = fake
        else:  # the same masks and codes, the metadata as given then with one value edited
            metadata = ops.convert_to_tensor(metadata, "float32")
            asked = ops.concatenate([metadata, self.edit_metadata(metadata)], axis=0)
            both_masks = ops.concatenate([masks_one_hot, masks_one_hot], axis=0)
            both = self.generator(self.generator_inputs(
                both_masks, ops.concatenate([code, code], axis=0), asked), training=True)
            batch = ops.shape(images)[0]
            fakes = both[:batch]
            judged_fake = self.discriminate(both, both_masks)
            fake = [[output[:batch] for output in scale] for scale in judged_fake]
        real = self.discriminate(images, masks_one_hot)
        _, matching = generator_hinge_and_matching(real, fake, self.feature_matching_weight)
        adversarial = generator_hinge_loss(judged_fake)
        kl = self.kl_weight * losses.kl_divergence(mu, logvar)
        perceptual = ops.zeros((), "float32")
        network = self._perceptual.value
        if network is not None and self.perceptual_weight > 0:
            perceptual = self.perceptual_weight * self.perceptual_distance(images, fakes)
        reading = edit = ops.zeros((), "float32")
        if self.critic is not None:
            reading = self.metadata_weight * self.metadata_reading_loss(both, asked)
            edit = self.edit_l1_weight * losses.l1_loss(ops.stop_gradient(fakes), both[batch:])
        total = adversarial + matching + kl + perceptual + reading + edit
        return total, {
            "g_loss": total,
            "g_adversarial_loss": adversarial,
            "feature_matching_loss": matching,
            "kl_loss": kl,
            "perceptual_loss": perceptual,
            "g_metadata_loss": reading,
            "edit_l1_loss": edit,
        }

    def perceptual_distance(self, images, fakes):
        """`Σ_l w_l · mean |F_l(images) − F_l(fakes)|` with the perceptual network F (fixed)."""
        network = self._perceptual.value
        real_features = list(network(images))
        fake_features = list(network(fakes))
        weights = self.perceptual_layer_weights or [1.0] * len(real_features)
        if len(weights) != len(real_features):
            raise ValueError(
                f"`perceptual_layer_weights` has {len(weights)} weights for "
                f"{len(real_features)} features of the perceptual network."
            )
        total = ops.zeros((), "float32")
        for weight, real, fake in zip(weights, real_features, fake_features):
            total = total + weight * losses.l1_loss(ops.stop_gradient(real), fake)
        return total

    def reconstructions(self, images, masks_one_hot, metadata):
        """G's images (training mode) of the masks with a reparameterized code of `images`."""
        code, _, _ = self.encode(images)
        return self.generator(self.generator_inputs(masks_one_hot, code, metadata),
                              training=True)

    def discriminator_step(self, batch):
        images, masks, metadata = _unpack(batch)
        masks_one_hot = self.one_hot(masks)
        fakes = tf.stop_gradient(self.reconstructions(images, masks_one_hot, metadata))
        with tf.GradientTape() as tape:
            loss, logged = self.discriminator_loss(images, masks_one_hot, fakes, metadata)
        self.apply_gradients(tape, loss, self.discriminators, self.d_optimizer)
        self.track(**logged)

    def generator_step(self, batch):
        images, masks, metadata = _unpack(batch)
        with tf.GradientTape() as tape:
            loss, logged = self.generator_loss(images, self.one_hot(masks), metadata)
        self.apply_gradients(tape, loss, self.generators, self.g_optimizer)
        self.track(**logged)

    def validation_losses(self, batch):
        """The discriminator's (and critic's) losses on `batch` and its reconstructions, then
        the generator's and encoder's, as the sub-steps compute them."""
        images, masks, metadata = _unpack(batch)
        masks_one_hot = self.one_hot(masks)
        fakes = self.reconstructions(images, masks_one_hot, metadata)
        _, logged = self.discriminator_loss(images, masks_one_hot, fakes, metadata)
        _, g_logged = self.generator_loss(images, masks_one_hot, metadata)
        return {**logged, **g_logged}

    # --- inference ----------------------------------------------------------------------------
    def style_codes(self, style_images=None, count=None, seed=None):
        """Codes `(N, code_dim)`: the encoder's mean for `style_images` (float [-1, 1]), or
        `count` standard-normal draws from `seed`."""
        if style_images is not None:
            mu, _ = self.encoder(np.asarray(style_images, np.float32), training=False)
            return np.asarray(mu)
        rng = np.random.default_rng(seed)
        return rng.standard_normal((count, self.code_dim)).astype(np.float32)

    def synthesize(self, masks, metadata=None, style_images=None, seed=None, batch_size=32):
        """uint8 images (N, H, W, 3) of class-id `masks` (N, H, W).

        Args:
            masks: int (N, H, W) class ids, or one (H, W) mask.
            metadata: float (N, metadata_dim) or one (metadata_dim,) vector for all; zeros when
                None. Change one value and keep the rest to change one attribute.
            style_images: float [-1, 1] (N, H, W, 3) or one image for all, whose encoded
                style (the code's mean) is used; None draws codes from `seed`.
            seed: int or None. Seed of the drawn codes.
            batch_size: int. Images per generator call. Defaults to `32`.
        """
        masks = np.asarray(masks)
        if masks.ndim == 2:
            masks = masks[None]
        count = len(masks)
        if metadata is None:
            metadata = np.zeros((count, self.metadata_dim), np.float32)
        metadata = np.broadcast_to(np.asarray(metadata, np.float32),
                                   (count, self.metadata_dim))
        if style_images is not None:
            style_images = np.asarray(style_images, np.float32)
            if style_images.ndim == 3:
                style_images = style_images[None]
            codes = np.broadcast_to(self.style_codes(style_images), (count, self.code_dim))
        else:
            codes = self.style_codes(count=count, seed=seed)
        return batched_uint8(self._synthesize_batch, [masks, codes, metadata], batch_size)

    def _synthesize_batch(self, masks, codes, metadata):
        inputs = self.generator_inputs(self.one_hot(masks), np.ascontiguousarray(codes), metadata)
        return self.generator(inputs, training=False)

    def sample_examples(self, batch):
        """The `{"image", "mask", "metadata"}` arrays of `batch`, which sample sheets show
        (`set_sample_batch`)."""
        images, masks, metadata = (np.asarray(v) for v in _unpack(batch))
        return {"image": images.astype(np.float32), "mask": masks,
                "metadata": metadata.astype(np.float32)}

    def sample_grid(self, inputs, batch_size=32):
        """A uint8 grid, one row per example, under `SAMPLE_LABELS`: mask | real image |
        synthesized with the real image's style | with a random style (seed 0)."""
        masks, images, metadata = inputs["mask"], inputs["image"], inputs["metadata"]
        own_style = np.concatenate([
            self.synthesize(masks[i : i + 1], metadata[i : i + 1], images[i : i + 1])
            for i in range(len(masks))
        ])
        random_style = self.synthesize(masks, metadata, seed=0, batch_size=batch_size)
        rows = np.stack(
            [colorize_mask(masks), to_uint8(images), own_style, random_style], axis=1
        )
        return image_grid(rows.reshape(-1, *rows.shape[2:]), labels=self.SAMPLE_LABELS)

    # --- serialization ------------------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "metadata_dim": self.metadata_dim,
            "image_size": self.image_size,
            "code_dim": self.code_dim,
            "filters": self.filters,
            "encoder_filters": self.encoder_filters,
            "discriminator_filters": self.discriminator_filters,
            "discriminator_layers": self.discriminator_layers,
            "num_scales": self.num_scales,
            "spade_hidden": self.spade_hidden,
            "metadata_in_spade": self.metadata_in_spade,
            "metadata_weight": self.metadata_weight,
            "critic_filters": self.critic_filters,
            "edit_l1_weight": self.edit_l1_weight,
            "feature_matching_weight": self.feature_matching_weight,
            "kl_weight": self.kl_weight,
            "perceptual_weight": self.perceptual_weight,
            "perceptual_layer_weights": self.perceptual_layer_weights,
        }

    @classmethod
    def from_config(cls, config):
        if "critic" not in config:  # files saved before the metadata critic existed
            config = {**config, "critic": None, "metadata_weight": 0.0,
                      "metadata_in_spade": False}
        return super().from_config(config)


def _unpack(batch):
    if isinstance(batch, dict) and {"image", "mask", "metadata"} <= set(batch):
        return batch["image"], batch["mask"], batch["metadata"]
    raise ValueError(
        'GauGAN trains on {"image", "mask", "metadata"} batches '
        "(keras_portrait.data.synth_portraits(family='gaugan')). "
        f"Received: {type(batch).__name__}"
        + (f" with keys {sorted(batch)}" if isinstance(batch, dict) else "")
    )
