from keras_portrait.models.cycle_gan.cycle_gan import CycleGAN
from keras_portrait.models.cycle_gan.image_pool import ImagePool
from keras_portrait.models.cycle_gan.evaluation import evaluate_translation
