"""Reconstruction losses: L1 between images and feature matching between discriminator features.

Both follow the reduction scheme of `_reduction.py`: a per-example mean over every axis but the
batch, then the batch mean by default or the per-example values with `reduction="none"`. The
paper's weight (lambda = 10 for CycleGAN's cycle loss and pix2pixHD's feature matching) is applied
by the family.
"""

from keras import ops

from keras_portrait.losses._reduction import per_example_mean, per_example_sum, reduce_per_example


def l1_loss(a, b, reduction="mean"):
    """Mean absolute error `|a - b|`: CycleGAN's cycle and identity losses, pix2pix's L1.

    Reference:
        Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
        Networks", ICCV 2017.
    """
    difference = ops.cast(a, "float32") - ops.cast(b, "float32")
    return reduce_per_example(per_example_mean(ops.abs(difference)), reduction)


def feature_matching_loss(real_features, fake_features, reduction="mean"):
    """Mean L1 between the discriminator's intermediate features of real and fake images.

    `mean_layers mean |D_l(x) - D_l(G(z))|` for one discriminator (a list of feature tensors), and
    additionally the mean over discriminator scales for a multi-scale discriminator (a list of
    such lists). Real features are constants: no gradient flows back into them.

    Reference:
        Wang et al., "High-Resolution Image Synthesis and Semantic Manipulation with Conditional
        GANs", CVPR 2018 (pix2pixHD); Park et al., "Semantic Image Synthesis with
        Spatially-Adaptive Normalization", CVPR 2019 (SPADE).
    """
    return reduce_per_example(_per_example_feature_l1(real_features, fake_features), reduction)


def kl_divergence(mu, logvar, reduction="mean"):
    """KL(N(mu, exp(logvar)) || N(0, I)): `-0.5 * sum(1 + logvar - mu^2 - exp(logvar))`.

    Summed over the code dimensions of each example (not averaged: it is the divergence of the
    whole code), then reduced over the batch. SPADE sums over the batch as well and weights the
    term by 0.05.

    Reference:
        Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014; Park et al., "Semantic
        Image Synthesis with Spatially-Adaptive Normalization", CVPR 2019.
    """
    mu = ops.cast(mu, "float32")
    logvar = ops.cast(logvar, "float32")
    per_example = -0.5 * per_example_sum(1.0 + logvar - ops.square(mu) - ops.exp(logvar))
    return reduce_per_example(per_example, reduction)


def _per_example_feature_l1(real_features, fake_features):
    if not isinstance(real_features, (list, tuple)) or not isinstance(fake_features, (list, tuple)):
        raise ValueError(
            "`real_features` and `fake_features` must be lists of tensors (or lists of such "
            f"lists). Received types: {type(real_features).__name__}, "
            f"{type(fake_features).__name__}"
        )
    if len(real_features) != len(fake_features) or not real_features:
        raise ValueError(
            "`real_features` and `fake_features` must be non-empty and of equal length. "
            f"Received lengths: {len(real_features)}, {len(fake_features)}"
        )
    per_item = []
    for real, fake in zip(real_features, fake_features):
        if isinstance(real, (list, tuple)):
            per_item.append(_per_example_feature_l1(real, fake))
        else:
            difference = ops.stop_gradient(ops.cast(real, "float32")) - ops.cast(fake, "float32")
            per_item.append(per_example_mean(ops.abs(difference)))
    return ops.mean(ops.stack(per_item, axis=0), axis=0)
