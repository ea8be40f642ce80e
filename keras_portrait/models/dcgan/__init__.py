from keras_portrait.models.dcgan.dcgan import DCGAN
from keras_portrait.models.dcgan.wgan_gp import WGANGP
from keras_portrait.models.dcgan.dcgan_networks import dcgan_discriminator
from keras_portrait.models.dcgan.dcgan_networks import dcgan_generator
