from keras_portrait.models.stargan.stargan import StarGAN
from keras_portrait.models.stargan.evaluation import OnFaceCrops
from keras_portrait.models.stargan.evaluation import evaluate_expressions
