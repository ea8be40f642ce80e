"""`rotate`: turn the face in any portrait — detect, fit, rotate-render, clean, paste back."""

import dataclasses
import functools

import numpy as np

from keras_portrait.imaging.alignment import align
from keras_portrait.imaging.alignment import paste_back
from keras_portrait.imaging.image_input import as_rgb8
from keras_portrait.face.landmarks import landmarks as find_landmarks
from keras_portrait.face.masks import hair_mask as face_hair
from keras_portrait.face.mesh import fit_head
from keras_portrait.face.mesh import rotate_render
from keras_portrait.grids import image_grid
from keras_portrait.models.rotation.classical_fills import ClassicalCleaner
from keras_portrait.models.rotation.rotation_gan import HOLE_COLOR

# The preset `rotate` cleans its renders with when given neither a model nor a fill.
DEFAULT_PRESET = "rotation-real-128"
# The crop side with a model of the caller's and no `size`.
DEFAULT_SIZE = 256


@dataclasses.dataclass(frozen=True)
class Rotated:
    """A portrait with its face turned.

    Attributes:
        image: (H, W, 3) uint8. The whole picture with the turned face pasted back.
        crop: (S, S, 3) uint8. The aligned face crop the turn was made on.
        render: (S, S, 3) uint8. The crop turned through the mesh, 0 in the holes.
        holes: (S, S) bool. The render's holes.
        cleaned: (S, S, 3) uint8. The render cleaned by the model (the render itself without
            a model).
        yaw, pitch: float. The pose turned to (degrees); `source_yaw` the crop's own yaw.
    """

    image: np.ndarray
    crop: np.ndarray
    render: np.ndarray
    holes: np.ndarray
    cleaned: np.ndarray
    yaw: float
    pitch: float
    source_yaw: float


def rotate(image, yaw, model=None, pitch=None, relative=False, size=None, landmarks=None,
           template="ffhq", feather=0.1, fill=None, hair=False):
    """Turns the face of a portrait (photo or painting) to `yaw`.

    The largest face is found and its 468 landmarks measured (or `landmarks` are used), an
    aligned `size`² crop is cut (`align`), a head mesh is fitted and turned
    (`keras_portrait.face.rotate_render`), the render is cleaned by `model` (a trained
    `RotationGAN`; by default the shipped preset `DEFAULT_PRESET`, trained on real photos and
    paintings), and the crop is pasted back into the picture with feathered edges.

    Args:
        image: the portrait: a path or an array (`as_rgb8`).
        yaw: float. Degrees to turn to (positive: the nose toward the image's right), or the
            change of yaw with `relative=True`.
        model: a `RotationGAN` (or anything with its `clean(renders, holes)`, e.g.
            `export.LiteRTCleaner`), or None: the preset `DEFAULT_PRESET` (`default_model`),
            unless `fill` is given.
        pitch: optional float. Pitch to turn to (or its change); None keeps the face's own.
        relative: bool. `yaw` and `pitch` are changes. Defaults to `False`.
        size: int or None. Side of the crop the model works on (its training size works
            best). Defaults to the preset's size with the preset, else `DEFAULT_SIZE`.
        landmarks: optional (468, 3) landmarks of `image`, which skips detection.
        template: str. Alignment template. Defaults to `"ffhq"`.
        feather: float. Width of the blended band when pasting back. Defaults to `0.1`.
        fill: str or None. Fill the holes classically instead of with a model: "telea"
            (OpenCV's inpainting), "pushpull", or "raw" for the render with its holes
            black (`classical_fills.FILLS`).
        hair: bool. Find the hair in the crop (`keras_portrait.face.hair_mask`) and turn the
            hair beyond the head's outline with the head, on a sheet (`fit_head(hair=...)`);
            False leaves it on the background. Defaults to `False`.

    Returns:
        A `Rotated`.

    Raises:
        ValueError: when no face is found, or the default preset is missing.
    """
    model, size = _cleaner(model, fill, size)
    picture = as_rgb8(image)
    points = landmarks if landmarks is not None else find_landmarks(picture)
    if points is None:
        raise ValueError("No face found in the picture (or its mesh was rejected).")
    aligned = align(picture, points, size=size, template=template)
    crop_points = aligned.to_crop(np.asarray(points, np.float64))
    hair_mask = face_hair(aligned.image, crop_points) if hair else None
    mesh = fit_head(crop_points, size, size, hair=hair_mask)
    render = rotate_render(aligned.image, yaw, pitch=pitch, relative=relative, mesh=mesh)
    cleaned = render.image if model is None else model.clean(render.image, render.holes)
    return Rotated(image=paste_back(picture, cleaned, aligned, feather=feather),
                   crop=aligned.image, render=render.image, holes=render.holes,
                   cleaned=cleaned, yaw=render.yaw, pitch=render.pitch,
                   source_yaw=float(mesh.pose.yaw))


def default_model():
    """`(model, size)`: the rotation preset `DEFAULT_PRESET` (loaded once) and the crop side
    it was trained at — what `rotate` cleans with when given neither a model nor a fill."""
    from keras_portrait import presets  # noqa: PLC0415  (presets reads the registry)

    try:
        path, card = presets.file(DEFAULT_PRESET), presets.card(DEFAULT_PRESET)
    except ValueError as error:
        raise ValueError(f"`rotate` cleans with the preset {DEFAULT_PRESET!r} by default and "
                         f"it is not installed: pass a model, or fill='telea', 'pushpull' or "
                         f"'raw' ({error})") from None
    return _load_preset(path), int(card["image_size"])


@functools.lru_cache(maxsize=2)
def _load_preset(path):
    import keras  # noqa: PLC0415

    return keras.saving.load_model(path, safe_mode=True)


def _cleaner(model, fill, size):
    """`(what cleans the renders or None, the crop side)`."""
    if fill is not None and model is not None:
        raise ValueError(f"Give a model or a classical fill, not both (fill={fill!r}).")
    if fill is not None:
        model = None if fill == "raw" else ClassicalCleaner(fill)
    elif model is None:
        model, preset_size = default_model()
        size = preset_size if size is None else size
    return model, DEFAULT_SIZE if size is None else size


def rotation_row(image, yaws=(-40.0, -20.0, 0.0, 20.0, 40.0), model=None, size=None, **kwargs):
    """A uint8 sheet of one portrait turned to each of `yaws`: the crop, then one column per
    yaw, labelled "input" and "yaw -40" ("turn -40" with `relative=True`); the top row shows
    the raw renders (holes in magenta), the bottom row the cleaned faces (the top row alone
    with `fill="raw"`). `model`, `size` and `fill` as `rotate` takes them (the preset by
    default); other arguments go to `rotate`.

    Raises:
        ValueError: when no face is found.
    """
    model, size = _cleaner(model, kwargs.pop("fill", None), size)
    picture = as_rgb8(image)
    points = kwargs.pop("landmarks", None)
    if points is None:
        points = find_landmarks(picture)
    # The cleaner chosen above, or the raw render ("raw": None would mean the preset).
    turns = [rotate(picture, yaw, model=model, size=size, landmarks=points,
                    fill=None if model is not None else "raw", **kwargs)
             for yaw in yaws]
    if not turns:
        raise ValueError("`yaws` is empty.")
    raw = []
    for turn in turns:
        shown = turn.render.copy()
        shown[turn.holes] = HOLE_COLOR
        raw.append(shown)
    tiles = [turns[0].crop, *raw]
    if model is not None:
        tiles += [turns[0].crop, *(turn.cleaned for turn in turns)]
    word = "turn" if kwargs.get("relative") else "yaw"
    return image_grid(np.stack(tiles), labels=["input", *(f"{word} {yaw:+g}" for yaw in yaws)])
