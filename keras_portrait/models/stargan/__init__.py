from keras_portrait.models.stargan.stargan import StarGAN
