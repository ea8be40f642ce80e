"""How a SynthPortraits render is framed: the whole portrait, or the face alone.

A render shows head, hair, shoulders and backdrop; the face is about a third of its side.
Expression datasets (FER2013, CK+, KDEF) are face crops, and a model that learns to move lips
and brows needs them large: at 64², a portrait's mouth is 6-8 pixels wide, a face crop's 14-18.
The "face" framing renders at `FACE_RENDER_SCALE` times the asked size and cuts the upright
`"tight"` square of `keras_portrait.face.align` (forehead to chin) from the render's own 468
landmarks, so no detector is involved and every crop is found.
"""

import numpy as np

from keras_portrait.data.synth.renderer import MAX_SIZE
from keras_portrait.data.synth.renderer import MIN_SIZE
from keras_portrait.imaging.alignment import align
from keras_portrait.imaging.alignment import transform_points
from keras_portrait.imaging.alignment import warp_to_crop

FRAMINGS = ("portrait", "face")
FACE_TEMPLATE = "tight"
# The tight square spans 0.52-0.66 of a render's side (20 samples, yaw ±30°): a render at twice
# the size is cut at 1.05-1.3× the crop's resolution, so the crop is never magnified.
FACE_RENDER_SCALE = 2


def check_framing(framing):
    if framing not in FRAMINGS:
        raise ValueError(f"`framing` must be one of {FRAMINGS}. Received: framing={framing!r}")
    return framing


def render_size(size, framing):
    """The side to render at for an image of `size` in `framing`; raises ValueError when the
    renderer cannot draw it."""
    scale = FACE_RENDER_SCALE if check_framing(framing) == "face" else 1
    if not isinstance(size, (int, np.integer)) or not MIN_SIZE <= size * scale <= MAX_SIZE:
        raise ValueError(f"A {framing}-framed image must be an int side in "
                         f"[{-(-MIN_SIZE // scale)}, {MAX_SIZE // scale}] (it is rendered at "
                         f"{scale}× its side, the renderer draws {MIN_SIZE}-{MAX_SIZE}). "
                         f"Received: {size!r}")
    return int(size) * scale


def frame(render, size, framing, matrix=None):
    """`render` (a `SynthPortraits.render` dict at `render_size(size, framing)`) in `framing`.

    Args:
        render: dict with "image" and "landmarks_2d".
        size: int. Side of the framed image.
        framing: str. "portrait" returns the render as it is; "face" its tight face square.
        matrix: 2 × 3 similarity or None. With "face", the crop to use instead of the one
            found from the render's landmarks: the same sitter in other expressions, cut with
            the first render's matrix, differ in the expression alone.

    Returns:
        `(image uint8 (size, size, 3), landmarks_2d (468, 2) in the framed image, matrix)`;
        the matrix is None for "portrait".
    """
    side = render_size(size, framing)
    if render["image"].shape[0] != side:
        raise ValueError(f"A {framing}-framed image of {size}² needs a render of {side}². "
                         f"Received {render['image'].shape[:2]}")
    if framing == "portrait":
        return render["image"], render["landmarks_2d"], None
    if matrix is None:
        aligned = align(render["image"], render["landmarks_2d"], size=size,
                        template=FACE_TEMPLATE)
        image, matrix = aligned.image, aligned.matrix
    else:
        matrix = np.asarray(matrix, np.float64)
        image = warp_to_crop(render["image"], matrix, size)
    landmarks = transform_points(matrix, render["landmarks_2d"]).astype(np.float32)
    return image, landmarks, matrix


def framed_sample(portraits, index, size, framing, **kwargs):
    """`portraits.sample(index, **kwargs)` framed: `(sample, matrix)`.

    The sample dict is the render's at `render_size(size, framing)` with "image" and
    "landmarks_2d" framed; for "face" the pixel maps of the whole render ("mask",
    "glasses_mask", "visible") and its 3D and 68 landmarks are dropped, not left in the
    wrong frame. Render the same sitter at `sample`'s "pose" with `size=render_size(...)`
    and cut it with `matrix` (`frame`) for other expressions in the same square.
    """
    sample = portraits.sample(index, size=render_size(size, framing), **kwargs)
    image, landmarks, matrix = frame(sample, size, framing)
    if framing == "face":
        sample = {k: v for k, v in sample.items()
                  if k not in ("mask", "glasses_mask", "visible", "landmarks_3d",
                               "landmarks_68")}
    return {**sample, "image": image, "landmarks_2d": landmarks}, matrix
