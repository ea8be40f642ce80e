"""Losses as pure functions of logits and tensors.

Every loss returns the batch mean of per-example values by default, and the per-example values
(shape `(batch,)`) with `reduction="none"`.
"""

from keras_portrait.losses.adversarial import hinge_discriminator_loss
from keras_portrait.losses.adversarial import hinge_generator_loss
from keras_portrait.losses.adversarial import lsgan_discriminator_loss
from keras_portrait.losses.adversarial import lsgan_generator_loss
from keras_portrait.losses.adversarial import nonsaturating_discriminator_loss
from keras_portrait.losses.adversarial import nonsaturating_generator_loss
from keras_portrait.losses.adversarial import wasserstein_discriminator_loss
from keras_portrait.losses.adversarial import wasserstein_generator_loss
from keras_portrait.losses.classification import attribute_cross_entropy
from keras_portrait.losses.classification import class_cross_entropy
from keras_portrait.losses.embedding_distance import embedding_distance
from keras_portrait.losses.penalties import gradient_penalty
from keras_portrait.losses.penalties import r1_penalty
from keras_portrait.losses.reconstruction import feature_matching_loss
from keras_portrait.losses.reconstruction import kl_divergence
from keras_portrait.losses.reconstruction import l1_loss

__all__ = [
    "attribute_cross_entropy",
    "class_cross_entropy",
    "embedding_distance",
    "feature_matching_loss",
    "gradient_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "kl_divergence",
    "l1_loss",
    "lsgan_discriminator_loss",
    "lsgan_generator_loss",
    "nonsaturating_discriminator_loss",
    "nonsaturating_generator_loss",
    "r1_penalty",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
]
