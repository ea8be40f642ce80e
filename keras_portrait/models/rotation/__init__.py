from keras_portrait.models.rotation.rotation_gan import RotationGAN
from keras_portrait.models.rotation.rotate import Rotated
from keras_portrait.models.rotation.rotate import rotate
from keras_portrait.models.rotation.rotate import rotation_row
from keras_portrait.models.rotation.evaluation import evaluate_rotation
