"""The CelebA attributes of the StarGAN reference configuration (c_dim=5), read off a
SynthPortraits render's labels: black / blond / brown hair from the hair colour (other colours:
none of the three), male = gender presentation > 0.5, young = age < 40."""

import numpy as np

STARGAN_ATTRIBUTES = ("black_hair", "blond_hair", "brown_hair", "male", "young")
_CELEBA_HAIR = {"black_hair": ("black",), "blond_hair": ("blonde", "platinum"),
                "brown_hair": ("brown", "dark_brown")}


def stargan_attribute_vector(attributes):
    """The multi-hot STARGAN_ATTRIBUTES vector of a render's `attributes` dict."""
    hair = attributes["hair_color"]
    return np.array(
        [hair in colors for colors in _CELEBA_HAIR.values()]
        + [float(attributes["gender"]) > 0.5, float(attributes["age"]) < 40.0],
        dtype=np.float32,
    )
