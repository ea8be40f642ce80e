"""Label vocabularies shared by the data, face and model packages.

The order of each tuple is the integer id used everywhere (masks, class ids, one-hot vectors).
"""

# The 7 classes of the face masks (the classes of the SPADE portrait seed).
MASK_CLASSES = ("background", "skin", "hair", "eyes", "brows", "nose", "mouth")

# The ages (years) SynthPortraits draws from; metadata scales age to [0, 1] over this range.
AGE_RANGE = (18.0, 80.0)

# The 7 expression classes rendered by SynthPortraits and translated by StarGAN.
EXPRESSIONS = ("neutral", "happy", "sad", "surprise", "fear", "disgust", "angry")


def class_id(name, vocabulary, what):
    """Returns the id of `name` in `vocabulary`, with an error listing the valid names."""
    if isinstance(name, (int,)) and 0 <= name < len(vocabulary):
        return int(name)
    try:
        return vocabulary.index(name)
    except ValueError:
        raise ValueError(
            f"Unknown {what} {name!r}. Valid: {', '.join(vocabulary)} "
            f"(or an id in [0, {len(vocabulary) - 1}])."
        ) from None
