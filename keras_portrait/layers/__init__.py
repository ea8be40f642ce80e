"""Building blocks shared by the networks of every GAN family."""

from keras_portrait.layers.blocks import ResidualBlock
from keras_portrait.layers.blur import Blur2D
from keras_portrait.layers.conditioning import TileLabels
from keras_portrait.layers.fill import PushPullFill
from keras_portrait.layers.normalization import InstanceNormalization
from keras_portrait.layers.padding import ReflectionPadding2D
from keras_portrait.layers.spade import SPADE
from keras_portrait.layers.spade import SPADEResBlock

__all__ = ["Blur2D", "InstanceNormalization", "PushPullFill", "ReflectionPadding2D",
           "ResidualBlock", "SPADE", "SPADEResBlock", "TileLabels"]
