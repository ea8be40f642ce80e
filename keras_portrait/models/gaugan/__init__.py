from keras_portrait.models.gaugan.gaugan import GauGAN
from keras_portrait.models.gaugan.gaugan import colorize_mask
from keras_portrait.models.gaugan.evaluation import evaluate_synthesis
from keras_portrait.models.gaugan.evaluation import face_toolkit_masks
