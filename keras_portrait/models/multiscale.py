"""The losses of a multi-scale PatchGAN (pix2pixHD, SPADE): hinge per scale, feature matching."""

from keras import ops

from keras_portrait import losses


def split_scales(outputs, num_scales):
    """The flat outputs of `multiscale_discriminator` as `[[features…, logits], …]`, a list
    per scale."""
    per_scale = len(outputs) // num_scales
    return [outputs[i * per_scale : (i + 1) * per_scale] for i in range(num_scales)]


def discriminator_hinge_loss(real, fake):
    """Hinge loss of the discriminator, averaged over the scales of `split_scales` outputs."""
    return ops.mean(ops.stack([
        losses.hinge_discriminator_loss(r[-1], f[-1]) for r, f in zip(real, fake)
    ]))


def generator_hinge_loss(fake):
    """Hinge generator loss of per-scale outputs, averaged over the scales."""
    return ops.mean(ops.stack([losses.hinge_generator_loss(f[-1]) for f in fake]))


def generator_hinge_and_matching(real, fake, feature_matching_weight):
    """`(adversarial, feature matching)` of the generator from per-scale outputs.

    The adversarial term is the hinge generator loss averaged over the scales. Feature
    matching is the L1 between the real and generated features, summed over a scale's layers
    and averaged over the scales, as the reference (`feature_matching_loss` averages both, so
    it is multiplied back by the layers per scale), times `feature_matching_weight`.
    """
    adversarial = generator_hinge_loss(fake)
    layers = len(real[0]) - 1
    matching = feature_matching_weight * layers * losses.feature_matching_loss(
        [r[:-1] for r in real], [f[:-1] for f in fake]
    )
    return adversarial, matching
