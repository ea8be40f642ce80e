"""WGAN-GP: the DCGAN generator against a Wasserstein critic with a gradient penalty."""

import keras

from keras_portrait import losses
from keras_portrait.models.dcgan.dcgan import DCGAN


@keras.saving.register_keras_serializable(package="keras_portrait")
class WGANGP(DCGAN):
    """Wasserstein GAN with gradient penalty, with the paper's defaults.

    The critic has no batch normalization (the penalty is per example); it takes
    `discriminator_steps=5` updates per generator update, with Adam(1e-4, β=(0.0, 0.9)).

    Args:
        image_size: int. Side of the square images, a power of two >= 8. Defaults to `64`.
        latent_dim: int. Size of z. Defaults to `100`.
        filters: int. Width of the networks. Defaults to `64`.
        generator: keras.Model or None. A generator z → image to use instead of the default.
        discriminator: keras.Model or None. A critic image → score to use instead.
        gradient_penalty_weight: float. λ of the penalty. Defaults to `10.0`.
        discriminator_steps: int. Critic updates per generator update. Defaults to `5`.
        seed: int or None. Seed of the latent and interpolation draws.

    Reference:
        Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
    """

    LOSS_NAMES = ("d_loss", "g_loss", "gp")
    OPTIMIZERS = ({"learning_rate": 1e-4, "beta_1": 0.0, "beta_2": 0.9},) * 2
    DISCRIMINATOR_NORM = "none"

    def __init__(
        self,
        image_size=64,
        latent_dim=100,
        filters=64,
        generator=None,
        discriminator=None,
        gradient_penalty_weight=10.0,
        discriminator_steps=5,
        seed=None,
        **kwargs,
    ):
        super().__init__(
            image_size=image_size,
            latent_dim=latent_dim,
            filters=filters,
            generator=generator,
            discriminator=discriminator,
            discriminator_steps=discriminator_steps,
            seed=seed,
            **kwargs,
        )
        self.gradient_penalty_weight = gradient_penalty_weight

    def discriminator_loss(self, real, fake):
        critic = self.discriminator
        wasserstein = losses.wasserstein_discriminator_loss(
            critic(real, training=True), critic(fake, training=True)
        )
        epsilon = self.uniform(keras.ops.shape(real)[0], (1, 1, 1))
        penalty = losses.gradient_penalty(
            lambda x: critic(x, training=True),
            real,
            fake,
            weight=self.gradient_penalty_weight,
            epsilon=epsilon,
        )
        loss = wasserstein + penalty
        return loss, {"d_loss": loss, "gp": penalty}

    def generator_loss(self, fake_logits):
        return losses.wasserstein_generator_loss(fake_logits)

    def get_config(self):
        return {**super().get_config(), "gradient_penalty_weight": self.gradient_penalty_weight}
