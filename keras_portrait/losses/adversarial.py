"""Adversarial losses on raw discriminator outputs (logits / critic scores).

Each function takes logits of shape `(batch,)` or `(batch, ...)` (a PatchGAN map, say), averages
them per example over every axis but the batch, and reduces as described in `_reduction.py`:
the mean over the batch by default, per-example values with `reduction="none"`. A discriminator
loss is the sum of its real and fake terms, without the 1/2 some papers put in front; a family
that wants it (the CycleGAN reference halves its discriminator loss) scales the result.
"""

from keras import ops

from keras_portrait.losses._reduction import per_example_mean, reduce_per_example


def nonsaturating_generator_loss(fake_logits, reduction="mean"):
    """Non-saturating generator loss: `softplus(-D(G(z)))`, i.e. `-log sigmoid(D(G(z)))`.

    Binary cross-entropy of the fakes against the label "real", the form Goodfellow et al.
    recommend over minimizing `log(1 - D(G(z)))`, whose gradient vanishes early in training.

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    """
    return reduce_per_example(per_example_mean(ops.softplus(-_float(fake_logits))), reduction)


def nonsaturating_discriminator_loss(real_logits, fake_logits, reduction="mean"):
    """Discriminator cross-entropy: `softplus(-D(x)) + softplus(D(G(z)))`.

    That is `-log sigmoid(D(x)) - log(1 - sigmoid(D(G(z))))`: real labelled 1, fake labelled 0.

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    """
    real_term = per_example_mean(ops.softplus(-_float(real_logits)))
    fake_term = per_example_mean(ops.softplus(_float(fake_logits)))
    return reduce_per_example(real_term + fake_term, reduction)


def lsgan_generator_loss(fake_logits, reduction="mean"):
    """Least-squares generator loss: `(D(G(z)) - 1)^2` (target c = 1).

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017
        (the a = 0, b = c = 1 coding; the paper's 1/2 factors are left to the loss weights).
    """
    return reduce_per_example(per_example_mean(ops.square(_float(fake_logits) - 1.0)), reduction)


def lsgan_discriminator_loss(real_logits, fake_logits, reduction="mean"):
    """Least-squares discriminator loss: `(D(x) - 1)^2 + D(G(z))^2` (targets b = 1, a = 0).

    Reference:
        Mao et al., "Least Squares Generative Adversarial Networks", ICCV 2017.
    """
    real_term = per_example_mean(ops.square(_float(real_logits) - 1.0))
    fake_term = per_example_mean(ops.square(_float(fake_logits)))
    return reduce_per_example(real_term + fake_term, reduction)


def hinge_generator_loss(fake_logits, reduction="mean"):
    """Hinge generator loss: `-D(G(z))`, the same formula as `wasserstein_generator_loss`.

    Reference:
        Lim & Ye, "Geometric GAN", arXiv:1705.02894, 2017; Miyato et al., "Spectral
        Normalization for Generative Adversarial Networks", ICLR 2018.
    """
    return wasserstein_generator_loss(fake_logits, reduction=reduction)


def hinge_discriminator_loss(real_logits, fake_logits, reduction="mean"):
    """Hinge discriminator loss: `relu(1 - D(x)) + relu(1 + D(G(z)))`.

    Reference:
        Lim & Ye, "Geometric GAN", arXiv:1705.02894, 2017; Miyato et al., "Spectral
        Normalization for Generative Adversarial Networks", ICLR 2018.
    """
    real_term = per_example_mean(ops.relu(1.0 - _float(real_logits)))
    fake_term = per_example_mean(ops.relu(1.0 + _float(fake_logits)))
    return reduce_per_example(real_term + fake_term, reduction)


def wasserstein_generator_loss(fake_logits, reduction="mean"):
    """Wasserstein generator loss: `-D(G(z))` on critic scores.

    Reference:
        Arjovsky et al., "Wasserstein GAN", ICML 2017.
    """
    return reduce_per_example(per_example_mean(-_float(fake_logits)), reduction)


def wasserstein_discriminator_loss(real_logits, fake_logits, reduction="mean"):
    """Wasserstein critic loss: `D(G(z)) - D(x)`; pair it with `gradient_penalty` (WGAN-GP).

    Reference:
        Arjovsky et al., "Wasserstein GAN", ICML 2017.
    """
    real_term = per_example_mean(_float(real_logits))
    fake_term = per_example_mean(_float(fake_logits))
    return reduce_per_example(fake_term - real_term, reduction)


def _float(logits):
    return ops.cast(logits, "float32")
