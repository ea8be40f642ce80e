from keras_portrait.models.gaugan.gaugan import GauGAN
from keras_portrait.models.gaugan.gaugan import colorize_mask
