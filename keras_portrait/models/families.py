"""The package's GAN families: one line per family (`keras_portrait.registry` holds them)."""

from keras_portrait import registry
from keras_portrait.models.cycle_gan.cycle_gan_spec import CYCLE_GAN_SPEC
from keras_portrait.models.dcgan.dcgan_spec import DCGAN_SPEC
from keras_portrait.models.dcgan.dcgan_spec import WGAN_GP_SPEC
from keras_portrait.models.gaugan.gaugan_spec import GAUGAN_SPEC
from keras_portrait.models.rotation.rotation_spec import ROTATION_SPEC
from keras_portrait.models.stargan.stargan_spec import STARGAN_SPEC

for _spec in (DCGAN_SPEC, WGAN_GP_SPEC, CYCLE_GAN_SPEC, STARGAN_SPEC, GAUGAN_SPEC,
              ROTATION_SPEC):
    registry.register(_spec)
