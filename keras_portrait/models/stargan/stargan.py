"""StarGAN: one generator translates a face into any of several domains (expressions, attributes)."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_portrait import losses
from keras_portrait.models.stargan.stargan_attributes import STARGAN_ATTRIBUTES
from keras_portrait.grids import image_grid
from keras_portrait.grids import to_uint8
from keras_portrait.labels import EXPRESSIONS
from keras_portrait.models.base_gan import BaseGAN
from keras_portrait.models.base_gan import batched_uint8
from keras_portrait.models.base_gan import check_loss_weights
from keras_portrait.models.base_gan import unpack_pair
from keras_portrait.models.sample_images import SampleBatchMixin
from keras_portrait.models.stargan.stargan_networks import stargan_discriminator
from keras_portrait.models.stargan.stargan_networks import stargan_generator

LABEL_TYPES = ("class", "attributes")


@keras.saving.register_keras_serializable(package="keras_portrait")
class StarGAN(SampleBatchMixin, BaseGAN):
    """A single generator `G(image, target label)` for many domains, after Choi et al.

    Trains with `fit` on `(images, labels)` batches, images in [-1, 1] and labels either class
    ids `(batch,)` (`label_type="class"`: expressions, one domain per class) or multi-hot
    attribute vectors `(batch, num_domains)` (`label_type="attributes"`: CelebA style).
    `keras_portrait.data.labeled` reads both from folders and label files, and
    `synth_portraits(family="stargan")` renders both.

    Each step runs `discriminator_steps` critic updates then one generator update, as the paper:
    - the discriminator D gives a WGAN-GP score per patch and domain logits; its loss is
      `D(fake) - D(real) + λ_cls · cls(D_cls(real), label) + λ_gp · GP`;
    - the generator's loss is `-D(fake) + λ_cls · cls(D_cls(fake), target) + λ_rec ·
      ‖x - G(G(x, target), label)‖₁`, the cycle back to the original domain keeping what the
      label does not describe (identity, pose, background).
    `cls` is softmax cross-entropy for classes and per-attribute sigmoid cross-entropy summed
    over the attributes for attribute vectors. Target labels are drawn afresh at every
    sub-step: for classes uniformly over the domains (every expression is asked for equally
    often, however unbalanced the data; drawn for the global batch, so a `tf.distribute`
    strategy does not change them), for attributes as the reference does, by shuffling the
    batch's own labels (realistic combinations; each replica shuffles its own share).
    Optimizers: Adam(1e-4, β=(0.5, 0.999)) for both players; pass `LinearDecay` schedules to
    `compile` for the paper's linear decay over the second half of training (the CLI does).

    `call([images, labels])` is the generator, with labels as the float label vectors
    (one-hot for classes), so `export_generator` exports it with the label as a second input.
    `translate(images, target)` and `translate_all(images)` give uint8 images.

    Args:
        num_domains: int. Classes (`label_type="class"`) or attributes (`"attributes"`),
            `c_dim` in the paper. Defaults to `7` (the expressions of `labels.EXPRESSIONS`).
        image_size: int. Side of the square training images; the discriminator's class head
            is as large as its last feature map. Defaults to `128`.
        label_type: str. "class" or "attributes". Defaults to `"class"`.
        domain_names: sequence of str or None. A name per domain, used by `translate` and in
            sheets. Defaults to `labels.EXPRESSIONS` for 7 classes and
            `data.STARGAN_ATTRIBUTES` for 5 attributes, else `domain0, domain1, …`.
        filters: int. Generator width (`g_conv_dim`). Defaults to `64`.
        num_blocks: int. Residual blocks of the generator (`g_repeat_num`). Defaults to `6`.
        residual: bool. The generator predicts a correction added to its input and starts as
            the identity (`stargan_generator(residual=True)`; not in the paper: it learns to
            keep the sitter far sooner on few CPU steps, see docs/stargan.md). Defaults to
            `False`.
        discriminator_filters: int. Discriminator width (`d_conv_dim`). Defaults to `64`.
        discriminator_layers: int. Stride-2 layers of the discriminator (`d_repeat_num`);
            `image_size` must be a multiple of `2**discriminator_layers`. Defaults to `6`.
        classification_weight: float. λ_cls. Defaults to `1.0`.
        reconstruction_weight: float. λ_rec. Defaults to `10.0`.
        gradient_penalty_weight: float. λ_gp. Defaults to `10.0`.
        discriminator_steps: int. Critic updates per generator update (`n_critic`).
            Defaults to `5`.
        generator, discriminator: keras.Model or None. Networks to use instead of
            `stargan_generator` / `stargan_discriminator` with the settings above.
        seed: int or None. Seed of the target-label and interpolation draws.

    Reference:
        Choi et al., "StarGAN: Unified Generative Adversarial Networks for Multi-Domain
        Image-to-Image Translation", CVPR 2018.
    """

    LOSS_NAMES = (
        "d_loss", "d_adversarial_loss", "d_classification_loss", "gp",
        "g_loss", "g_adversarial_loss", "g_classification_loss", "reconstruction_loss",
    )
    NETWORK_ARGS = ("generator", "discriminator")
    GENERATORS = ("generator",)
    DISCRIMINATORS = ("discriminator",)
    OPTIMIZERS = ({"learning_rate": 1e-4, "beta_1": 0.5, "beta_2": 0.999},) * 2

    def __init__(
        self,
        num_domains=7,
        image_size=128,
        label_type="class",
        domain_names=None,
        filters=64,
        num_blocks=6,
        residual=False,
        discriminator_filters=64,
        discriminator_layers=6,
        classification_weight=1.0,
        reconstruction_weight=10.0,
        gradient_penalty_weight=10.0,
        discriminator_steps=5,
        generator=None,
        discriminator=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(discriminator_steps=discriminator_steps, seed=seed, **kwargs)
        if label_type not in LABEL_TYPES:
            raise ValueError(
                f"`label_type` must be one of {LABEL_TYPES}. Received: label_type={label_type!r}"
            )
        if not isinstance(num_domains, int) or num_domains < (2 if label_type == "class" else 1):
            raise ValueError(
                "`num_domains` must be an int >= 2 for classes, >= 1 for attributes. "
                f"Received: num_domains={num_domains!r}"
            )
        check_loss_weights(
            classification_weight=classification_weight,
            reconstruction_weight=reconstruction_weight,
            gradient_penalty_weight=gradient_penalty_weight,
        )
        self.num_domains = num_domains
        self.image_size = image_size
        self.label_type = label_type
        self.domain_names = _domain_names(domain_names, num_domains, label_type)
        self.filters = filters
        self.num_blocks = num_blocks
        self.residual = bool(residual)
        self.discriminator_filters = discriminator_filters
        self.discriminator_layers = discriminator_layers
        self.classification_weight = classification_weight
        self.reconstruction_weight = reconstruction_weight
        self.gradient_penalty_weight = gradient_penalty_weight
        self.generator = generator or stargan_generator(num_domains, filters, num_blocks,
                                                        residual=self.residual)
        self.discriminator = discriminator or stargan_discriminator(
            num_domains, image_size, discriminator_filters, discriminator_layers
        )
        self.built = True

    def call(self, inputs, training=False):
        images, labels = inputs
        return self.generator([images, labels], training=training)

    # --- labels -------------------------------------------------------------------------------
    def label_vectors(self, labels):
        """The generator's float label vectors `(batch, num_domains)` of a batch's labels."""
        if self.label_type == "class":
            return ops.one_hot(ops.cast(ops.reshape(labels, (-1,)), "int32"), self.num_domains)
        return ops.cast(labels, "float32")

    def sample_targets(self, labels):
        """Random target labels for a batch, in the dataset's form (ids or attribute vectors)."""
        batch = ops.shape(labels)[0]
        draws = self.uniform(batch, ())
        if self.label_type == "class":
            ids = ops.cast(ops.floor(draws * self.num_domains), "int32")
            return ops.minimum(ids, self.num_domains - 1)
        return ops.take(labels, ops.argsort(draws), axis=0)

    def classification_loss(self, logits, labels):
        if self.label_type == "class":
            return losses.class_cross_entropy(logits, ops.reshape(labels, (-1,)))
        return losses.attribute_cross_entropy(logits, labels)

    # --- the algorithm ------------------------------------------------------------------------
    def discriminator_loss(self, images, labels, fakes):
        """D's total loss and the logged terms, on real `images` and their `labels`."""
        images = ops.convert_to_tensor(images, "float32")
        fakes = ops.convert_to_tensor(fakes, "float32")
        real_scores, real_logits = self.discriminator(images, training=True)
        fake_scores, _ = self.discriminator(fakes, training=True)
        adversarial = losses.wasserstein_discriminator_loss(real_scores, fake_scores)
        classification = self.classification_loss(real_logits, labels)
        penalty = losses.gradient_penalty(
            lambda x: self.discriminator(x, training=True)[0],
            images,
            fakes,
            weight=self.gradient_penalty_weight,
            epsilon=self.uniform(ops.shape(images)[0], (1, 1, 1)),
        )
        total = adversarial + self.classification_weight * classification + penalty
        return total, {
            "d_loss": total,
            "d_adversarial_loss": adversarial,
            "d_classification_loss": classification,
            "gp": penalty,
        }

    def generator_loss(self, images, labels, targets):
        """G's total loss and the logged terms, translating `images` into `targets`."""
        images = ops.convert_to_tensor(images, "float32")
        fakes = self.generator([images, self.label_vectors(targets)], training=True)
        fake_scores, fake_logits = self.discriminator(fakes, training=True)
        adversarial = losses.wasserstein_generator_loss(fake_scores)
        classification = self.classification_loss(fake_logits, targets)
        back = self.generator([fakes, self.label_vectors(labels)], training=True)
        reconstruction = losses.l1_loss(images, back)
        total = (
            adversarial
            + self.classification_weight * classification
            + self.reconstruction_weight * reconstruction
        )
        return total, {
            "g_loss": total,
            "g_adversarial_loss": adversarial,
            "g_classification_loss": classification,
            "reconstruction_loss": reconstruction,
        }

    def random_translations(self, images, labels):
        """G's translations (training mode) of `images` into fresh `sample_targets`."""
        targets = self.sample_targets(labels)
        return self.generator([images, self.label_vectors(targets)], training=True)

    def discriminator_step(self, batch):
        images, labels = _images_and_labels(batch)
        fakes = tf.stop_gradient(self.random_translations(images, labels))
        with tf.GradientTape() as tape:
            loss, logged = self.discriminator_loss(images, labels, fakes)
        self.apply_gradients(tape, loss, self.discriminators, self.d_optimizer)
        self.track(**logged)

    def generator_step(self, batch):
        images, labels = _images_and_labels(batch)
        targets = self.sample_targets(labels)
        with tf.GradientTape() as tape:
            loss, logged = self.generator_loss(images, labels, targets)
        self.apply_gradients(tape, loss, self.generators, self.g_optimizer)
        self.track(**logged)

    def validation_losses(self, batch):
        """D's losses on `batch` and fresh translations, then G's towards fresh targets, as
        the sub-steps compute them (see `BaseGAN.test_step`)."""
        images, labels = _images_and_labels(batch)
        _, logged = self.discriminator_loss(images, labels,
                                            self.random_translations(images, labels))
        _, g_logged = self.generator_loss(images, labels, self.sample_targets(labels))
        return {**logged, **g_logged}

    # --- inference ----------------------------------------------------------------------------
    def target_vectors(self, target, count, labels=None):
        """Float label vectors `(count, num_domains)` for `translate`'s `target`.

        `target` is a domain name or id (classes), an array of ids `(count,)` or of vectors
        `(count, num_domains)`, or (attributes) a dict name → 0/1 applied on top of `labels`,
        the images' own attribute vectors (zeros when None). Setting one `*_hair` attribute
        to 1 clears the other hair colours, as the reference does.
        """
        if isinstance(target, dict):
            return self._attribute_targets(target, count, labels)
        if isinstance(target, (str, int, np.integer)):
            ident = self._domain_id(target)
            if self.label_type == "class":
                return np.eye(self.num_domains, dtype=np.float32)[[ident] * count]
            return self._attribute_targets({self.domain_names[ident]: 1.0}, count, labels)
        target = np.asarray(target)
        if target.shape == (count,) and self.label_type == "class":
            return np.eye(self.num_domains, dtype=np.float32)[
                [self._domain_id(int(t)) for t in target]
            ]
        if target.shape == (count, self.num_domains):
            return target.astype(np.float32)
        raise ValueError(
            "`target` must be a domain name or id, a dict of attributes, or an array of "
            f"{count} ids or label vectors of length {self.num_domains}. "
            f"Received an array of shape {target.shape}"
        )

    def translate(self, images, target, labels=None, batch_size=64):
        """uint8 translations (N, H, W, 3) of images in [-1, 1] into `target`.

        Args:
            images: float (N, H, W, 3) in [-1, 1].
            target: a domain name ("happy") or id; an array of ids or label vectors, one per
                image; or for attribute models a dict such as `{"blond_hair": 1, "male": 0}`.
            labels: attribute vectors (N, num_domains) of the images, which a dict target
                changes; zeros when None. Unused for class models.
            batch_size: int. Images per generator call. Defaults to `64`.
        """
        images = np.asarray(images, dtype=np.float32)
        vectors = self.target_vectors(target, len(images), labels)
        return batched_uint8(lambda x, c: self.generator([x, c], training=False),
                             [images, vectors], batch_size)

    def translate_all(self, images, labels=None, batch_size=64):
        """uint8 `(N, num_domains, H, W, 3)`: each image translated into every domain.

        For class models, domain k is class k (the seed's row of seven expressions); for
        attribute models, domain k sets attribute k to 1 on top of `labels` (and clears the
        other hair colours when it is one).
        """
        images = np.asarray(images, dtype=np.float32)
        if images.ndim == 3:
            images = images[None]
        rows = [
            self.translate(images, k, labels=labels, batch_size=batch_size)
            for k in range(self.num_domains)
        ]
        return np.stack(rows, axis=1)

    def sample_grid(self, inputs, batch_size=64):
        """A uint8 grid, one row per input: the input, then its translation into each domain,
        under the labels "input" and `domain_names`."""
        inputs = np.asarray(ops.convert_to_numpy(inputs), dtype=np.float32)
        rows = np.concatenate(
            [to_uint8(inputs)[:, None], self.translate_all(inputs, batch_size=batch_size)], axis=1
        )
        return image_grid(rows.reshape(-1, *rows.shape[2:]),
                          labels=["input", *self.domain_names])

    def _domain_id(self, domain):
        if isinstance(domain, str):
            if domain not in self.domain_names:
                raise ValueError(
                    f"Unknown domain {domain!r}. Valid: {', '.join(self.domain_names)}"
                )
            return self.domain_names.index(domain)
        domain = int(domain)
        if not 0 <= domain < self.num_domains:
            raise ValueError(
                f"Domain ids are in [0, {self.num_domains - 1}]. Received: {domain}"
            )
        return domain

    def _attribute_targets(self, changes, count, labels):
        if self.label_type != "attributes":
            raise ValueError(
                "A dict target needs an attribute model (label_type='attributes'); this model "
                f"translates between classes: pass a name from {', '.join(self.domain_names)}"
            )
        if labels is None:
            vectors = np.zeros((count, self.num_domains), np.float32)
        else:
            vectors = np.array(labels, dtype=np.float32).reshape(count, self.num_domains)
        hair = [i for i, name in enumerate(self.domain_names) if name.endswith("_hair")]
        for name, value in changes.items():
            ident = self._domain_id(name)
            if ident in hair and float(value) > 0.5:
                vectors[:, hair] = 0.0
            vectors[:, ident] = float(value)
        return vectors

    # --- serialization ------------------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "num_domains": self.num_domains,
            "image_size": self.image_size,
            "label_type": self.label_type,
            "domain_names": list(self.domain_names),
            "filters": self.filters,
            "num_blocks": self.num_blocks,
            "residual": self.residual,
            "discriminator_filters": self.discriminator_filters,
            "discriminator_layers": self.discriminator_layers,
            "classification_weight": self.classification_weight,
            "reconstruction_weight": self.reconstruction_weight,
            "gradient_penalty_weight": self.gradient_penalty_weight,
        }


def _domain_names(names, num_domains, label_type):
    if names is None:
        if label_type == "class" and num_domains == len(EXPRESSIONS):
            return tuple(EXPRESSIONS)
        if label_type == "attributes" and num_domains == len(STARGAN_ATTRIBUTES):
            return tuple(STARGAN_ATTRIBUTES)
        return tuple(f"domain{i}" for i in range(num_domains))
    names = tuple(str(name) for name in names)
    if len(names) != num_domains or len(set(names)) != num_domains:
        raise ValueError(
            f"`domain_names` must be {num_domains} distinct names. Received: {names}"
        )
    return names


def _images_and_labels(batch):
    return unpack_pair(batch, "StarGAN", "(images, labels)")
