from keras_portrait.models.base_gan import BaseGAN
from keras_portrait.models.dcgan import DCGAN
from keras_portrait.models.dcgan import WGANGP
