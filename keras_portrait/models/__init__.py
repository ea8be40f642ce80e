from keras_portrait.models.base_gan import BaseGAN
from keras_portrait.models.cycle_gan import CycleGAN
from keras_portrait.models.cycle_gan import ImagePool
from keras_portrait.models.dcgan import DCGAN
from keras_portrait.models.dcgan import WGANGP
from keras_portrait.models.schedules import LinearDecay
from keras_portrait.models.stargan import StarGAN
from keras_portrait.models.gaugan import GauGAN
from keras_portrait.models.rotation import RotationGAN
from keras_portrait.models.classifier import SYNTH_FACE_BOX
from keras_portrait.models.classifier import ImageClassifier
from keras_portrait.models.classifier import fit_classifier
from keras_portrait.models.classifier import train_expression_classifier
from keras_portrait.models import families  # noqa: F401  (registers the families)
