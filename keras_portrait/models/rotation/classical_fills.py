"""The classical ways to fill a turned render's holes, the baselines a rotation model must beat:
"raw" (holes left black), "pushpull" (`layers.PushPullFill`) and "telea" (OpenCV's inpainting)."""

import cv2
import numpy as np

from keras_portrait.layers.fill import PushPullFill

FILLS = ("raw", "pushpull", "telea")


def classical_fill(renders, holes, method="telea"):
    """uint8 renders (N, H, W, 3) or one (H, W, 3), their holes filled by `method` (`FILLS`);
    `holes` bool (N, H, W) or (H, W). Pixels outside the holes are returned unchanged."""
    if method not in FILLS:
        raise ValueError(f"Unknown fill {method!r}: use one of {', '.join(FILLS)}.")
    renders, holes = np.asarray(renders), np.asarray(holes, bool)
    single = renders.ndim == 3
    if single:
        renders, holes = renders[None], holes[None]
    if renders.shape[:3] != holes.shape or renders.shape[-1] != 3:
        raise ValueError(f"Expected renders (N, H, W, 3) and holes (N, H, W). Received "
                         f"{renders.shape} and {holes.shape}")
    raw = np.where(holes[..., None], 0, renders).astype(np.uint8)
    if method == "pushpull":
        pulled = PushPullFill()([raw.astype(np.float32), holes[..., None].astype(np.float32)])
        filled = np.clip(np.round(np.asarray(pulled)), 0, 255).astype(np.uint8)
    elif method == "telea":
        filled = np.stack([cv2.inpaint(r, h.astype(np.uint8), 3, cv2.INPAINT_TELEA)
                           for r, h in zip(raw, holes)])
    else:
        filled = raw
    return filled[0] if single else filled


class ClassicalCleaner:
    """A classical fill with a rotation model's `clean(renders, holes)`, for `rotate`."""

    def __init__(self, method="telea"):
        if method not in FILLS:
            raise ValueError(f"Unknown fill {method!r}: use one of {', '.join(FILLS)}.")
        self.method = method

    def clean(self, renders, holes):
        return classical_fill(renders, holes, self.method)
