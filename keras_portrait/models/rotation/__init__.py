from keras_portrait.models.rotation.rotation_gan import RotationGAN
