"""DCGAN: portraits from noise (Radford et al.), the first family of keras_portrait."""

import keras
import tensorflow as tf

from keras_portrait import losses
from keras_portrait.models.base_gan import BaseGAN
from keras_portrait.models.base_gan import batched_uint8
from keras_portrait.models.dcgan.dcgan_networks import dcgan_discriminator
from keras_portrait.models.dcgan.dcgan_networks import dcgan_generator
from keras_portrait.models.dcgan.dcgan_networks import portrait80_discriminator
from keras_portrait.models.dcgan.dcgan_networks import portrait80_generator


@keras.saving.register_keras_serializable(package="keras_portrait")
class DCGAN(BaseGAN):
    """Unconditional portrait GAN: a transposed-conv generator against a strided-conv critic.

    Trains with `fit` on a dataset of image batches in [-1, 1] (`keras_portrait.data.image_folder`
    or `synth_portraits(family="dcgan")`); `call(z)` and `generate(n)` give images.

    Args:
        image_size: int. Side of the square images, a power of two >= 8. Defaults to `64`.
        latent_dim: int. Size of the noise vector z. Defaults to `100`.
        filters: int. Width of the networks (ngf = ndf). Defaults to `64`.
        generator: keras.Model or None. A generator z → image to use instead of the default.
        discriminator: keras.Model or None. A discriminator image → logit to use instead.
        discriminator_steps: int. Discriminator updates per generator update. Defaults to `1`.
        seed: int or None. Seed of the latent and other random draws.

    Reference:
        Radford et al., "Unsupervised Representation Learning with Deep Convolutional
        Generative Adversarial Networks", ICLR 2016.
    """

    LOSS_NAMES = ("d_loss", "g_loss")
    NETWORK_ARGS = ("generator", "discriminator")
    GENERATORS = ("generator",)
    DISCRIMINATORS = ("discriminator",)
    OPTIMIZERS = ({"learning_rate": 2e-4, "beta_1": 0.5},) * 2
    PRESETS = {
        # The face-rotation seed's 80×80 portrait networks (networks/dcgan.py).
        "portrait80": (portrait80_generator, portrait80_discriminator),
    }
    DISCRIMINATOR_NORM = "batch"

    def __init__(
        self,
        image_size=64,
        latent_dim=100,
        filters=64,
        generator=None,
        discriminator=None,
        discriminator_steps=1,
        seed=None,
        **kwargs,
    ):
        super().__init__(discriminator_steps=discriminator_steps, seed=seed, **kwargs)
        self.image_size = image_size
        self.latent_dim = latent_dim
        self.filters = filters
        self.generator = generator or dcgan_generator(image_size, latent_dim, filters)
        self.discriminator = discriminator or dcgan_discriminator(
            image_size, filters, norm=self.DISCRIMINATOR_NORM
        )
        if self.generator.output_shape[1:] != self.discriminator.input_shape[1:]:
            raise ValueError(
                f"The generator makes {self.generator.output_shape[1:]} images but the "
                f"discriminator takes {self.discriminator.input_shape[1:]}."
            )
        # The sub-networks are built functional models: nothing is left to build from data.
        self.built = True

    @classmethod
    def from_preset(cls, name, **kwargs):
        """A model with the networks of a named preset (see `PRESETS`)."""
        if name not in cls.PRESETS:
            raise ValueError(f"Unknown preset {name!r}. Valid: {', '.join(cls.PRESETS)}")
        make_generator, make_discriminator = cls.PRESETS[name]
        generator = make_generator(kwargs.get("latent_dim", 100))
        return cls(
            image_size=generator.output_shape[1],
            generator=generator,
            discriminator=make_discriminator(),
            **kwargs,
        )

    def call(self, latents, training=False):
        return self.generator(latents, training=training)

    # --- the algorithm ------------------------------------------------------------------------
    def discriminator_loss(self, real, fake):
        real_logits = self.discriminator(real, training=True)
        fake_logits = self.discriminator(fake, training=True)
        loss = losses.nonsaturating_discriminator_loss(real_logits, fake_logits)
        return loss, {"d_loss": loss}

    def generator_loss(self, fake_logits):
        return losses.nonsaturating_generator_loss(fake_logits)

    def fake_images(self, count):
        """The generator's images (training mode) of `count` fresh latents of the seed."""
        return self.generator(self.normal(count, (self.latent_dim,)), training=True)

    def discriminator_step(self, batch):
        real = _images(batch)
        fake = self.fake_images(tf.shape(real)[0])
        with tf.GradientTape() as tape:
            loss, logged = self.discriminator_loss(real, fake)
        self.apply_gradients(tape, loss, self.discriminators, self.d_optimizer)
        self.track(**logged)

    def generator_step(self, batch):
        real = _images(batch)
        with tf.GradientTape() as tape:
            fake = self.fake_images(tf.shape(real)[0])
            loss = self.generator_loss(self.discriminator(fake, training=True))
        self.apply_gradients(tape, loss, self.generators, self.g_optimizer)
        self.track(g_loss=loss)

    def validation_losses(self, batch):
        """The discriminator's losses on `batch` and fresh fakes, then the generator's on
        other fresh fakes, as the sub-steps compute them (see `BaseGAN.test_step`)."""
        real = _images(batch)
        _, logged = self.discriminator_loss(real, self.fake_images(tf.shape(real)[0]))
        fake = self.fake_images(tf.shape(real)[0])
        return {**logged, "g_loss": self.generator_loss(self.discriminator(fake, training=True))}

    # --- inference ----------------------------------------------------------------------------
    def sample_inputs(self, n, seed=None):
        """`n` latent vectors from the model's seed generator (or a fresh one of `seed`)."""
        generator = keras.random.SeedGenerator(seed) if seed is not None else self.seed_generator
        return keras.random.normal((n, self.latent_dim), seed=generator)

    def generate(self, n, seed=None, batch_size=64):
        """`n` uint8 images (n, H, W, 3). With `seed`, the same images on every call."""
        return batched_uint8(lambda latents: self.generator(latents, training=False),
                             self.sample_inputs(n, seed), batch_size)

    def get_config(self):
        return {
            **super().get_config(),
            "image_size": self.image_size,
            "latent_dim": self.latent_dim,
            "filters": self.filters,
        }


def _images(batch):
    """The images of a batch that may come as `images` or `(images, ...)`."""
    return batch[0] if isinstance(batch, (tuple, list)) else batch
