from keras_portrait.models.base_gan import BaseGAN
from keras_portrait.models.cycle_gan import CycleGAN
from keras_portrait.models.cycle_gan import ImagePool
from keras_portrait.models.dcgan import DCGAN
from keras_portrait.models.dcgan import WGANGP
from keras_portrait.models.schedules import LinearDecay
from keras_portrait.models.stargan import StarGAN
from keras_portrait.models.gaugan import GauGAN
