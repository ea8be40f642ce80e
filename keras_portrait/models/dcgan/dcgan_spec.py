"""The DCGAN and WGAN-GP families: portraits from noise; their element is an image batch."""

from keras_portrait.data.synth_dataset import IMAGES
from keras_portrait.models.dcgan.dcgan import DCGAN
from keras_portrait.models.dcgan.dcgan_cli import NOISE_COMMANDS
from keras_portrait.models.dcgan.wgan_gp import WGANGP
from keras_portrait.registry import FamilySpec

_COMMON = dict(synth_element=IMAGES.synth_element, synth_signature=IMAGES.synth_signature,
               structure=IMAGES.structure, face_framing=True,
               train_defaults={"batch_size": 32, "num_samples": 64}, cli=NOISE_COMMANDS)
DCGAN_SPEC = FamilySpec(name="dcgan", model_class=DCGAN,
                        summary="portraits from noise (Radford et al. 2016)", **_COMMON)
WGAN_GP_SPEC = FamilySpec(name="wgan-gp", model_class=WGANGP,
                          summary="portraits from noise, Wasserstein loss with gradient penalty "
                                  "(Gulrajani et al. 2017)", **_COMMON)
