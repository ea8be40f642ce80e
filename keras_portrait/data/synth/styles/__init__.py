"""Art styles of SynthPortraits: post-processes that turn a photo render into another medium.

Every style keeps the layout of the photo (same head, same mask), so a portrait rendered in two
styles is an exact translation pair. Styles are cheap image filters over textures that are made
once per image size and seed bucket and then cached, so stylizing costs well under a millisecond
at 64x64. The same (image, mask, style, seed) always gives the same pixels.
"""

import numpy as np

from keras_portrait.data.synth.styles.base import STYLES, _check_arguments
from keras_portrait.data.synth.styles.engraving import _engraving
from keras_portrait.data.synth.styles.painting import _painting
from keras_portrait.data.synth.styles.sketch import _sketch
from keras_portrait.data.synth.styles.watercolor import _watercolor

__all__ = ["STYLES", "stylize"]


def stylize(image, mask, style, seed):
    """Renders `image` (uint8 RGB, (H, W, 3)) in `style`, using `mask` (int (H, W), class ids).

    Returns a new uint8 (H, W, 3) array; "photo" returns `image` itself.
    """
    if style not in _RENDERERS:
        raise ValueError(f"Unknown style {style!r}. Valid: {', '.join(STYLES)}")
    _check_arguments(image, mask, seed)
    if style == "photo":
        return image
    return _RENDERERS[style](np.ascontiguousarray(image), mask, int(seed))


_RENDERERS = {
    "photo": None,
    "painting": _painting,
    "sketch": _sketch,
    "watercolor": _watercolor,
    "engraving": _engraving,
}
