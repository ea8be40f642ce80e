from keras_portrait.models.dcgan.dcgan import DCGAN
from keras_portrait.models.dcgan.wgan_gp import WGANGP
