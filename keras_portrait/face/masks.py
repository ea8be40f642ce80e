"""The 7-class face mask of the SPADE portrait seed, from a 468-point face mesh and the image.

Classes are `keras_portrait.labels.MASK_CLASSES`: background, skin, hair, eyes, brows, nose,
mouth. They mean what SynthPortraits' labels mean, so real and synthetic masks agree:
- eyes are the eye openings (lids excluded), brows MediaPipe's brow outlines, mouth the lips and
  the open mouth's inside, nose the outline of the nose from between the brows to below the
  nostrils (`_NOSE_RIGHT`); these are regions of the canonical face, carried to the image by
  rasterizing the mesh with a z-buffer, so a turned head hides its far eye behind the nose;
- skin is the rest of the face, the ears, the neck and a bare scalp; hair is hair wherever it
  is, over the forehead too; clothes and everything else are background.
Hair, ears, neck and clothes do not follow from the mesh: a generic head placed by the mesh
(`head_regions`) gives where each may be, and `segmentation.classify_head` decides with the
person segmentation, colour models and GrabCut.
"""

import functools

import cv2
import numpy as np

from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.face import segmentation
from keras_portrait.imaging.image_input import as_rgb8
from keras_portrait.face.pose import head_pose
from keras_portrait.imaging.raster import interpolate, rasterize
from keras_portrait.labels import MASK_CLASSES

BACKGROUND, SKIN, HAIR, EYES, BROWS, NOSE, MOUTH = range(len(MASK_CLASSES))
_FLIP_Y = np.array([1.0, -1.0, 1.0])  # pixel frame (y down) <-> canonical frame (y up)
PARTS_MODES = ("polygons", "boxes")
REFINE_MODES = ("grabcut", None)

# The outline of the nose (subject's right half, from between the brows to below the tip) in
# canonical cm; the same outline labels the nose of SynthPortraits (`data/synth/face_maps.py`).
_NOSE_RIGHT = ((0.0, 2.95), (-0.72, 2.55), (-0.95, 1.3), (-1.3, 0.1), (-1.78, -0.85),
               (-1.78, -1.5), (-1.25, -1.95), (-0.55, -2.2), (0.0, -2.25))
_BROWS = (cm.RIGHT_BROW_UPPER + cm.RIGHT_BROW_LOWER[::-1],
          cm.LEFT_BROW_UPPER + cm.LEFT_BROW_LOWER[::-1])


def _nose_outline():
    right = np.array(_NOSE_RIGHT)
    return np.concatenate([right, right[::-1] * np.array([-1.0, 1.0])])


# The mesh vertices inside the nose outline, whose box is the nose's box.
_NOSE_VERTICES = tuple(int(i) for i in np.flatnonzero(cm.points_in_polygon(
    cm.canonical_vertices()[:, :2], _nose_outline())))


def _part_polygons():
    """{class id: [(K, 2) canonical polygons]} in drawing order (later ones on top)."""
    v = cm.canonical_vertices()[:, :2]
    return {
        NOSE: [_nose_outline()],
        BROWS: [v[list(loop)] for loop in _BROWS],
        MOUTH: [v[list(cm.LIPS_OUTER)]],
        EYES: [v[list(cm.RIGHT_EYE)], v[list(cm.LEFT_EYE)]],
    }


# The canonical part map: class ids over canonical (x, y) cm, looked up at every face pixel.
_MAP_CM = 0.04
_MAP_X0, _MAP_Y0 = -8.64, -10.6
_MAP_WIDTH, _MAP_HEIGHT = 432, 480


@functools.lru_cache(maxsize=1)
def _part_map():
    part_map = np.full((_MAP_HEIGHT, _MAP_WIDTH), SKIN, np.int32)
    for class_id, polygons in _part_polygons().items():
        for polygon in polygons:
            points = (polygon - (_MAP_X0, _MAP_Y0)) / _MAP_CM
            cv2.fillPoly(part_map, [np.round(points * 16).astype(np.int32)], class_id,
                         cv2.LINE_8, shift=4)
    part_map.setflags(write=False)
    return part_map


def _with_depth(landmarks):
    """(468, 3) float64 pixel points; a missing or flat z is filled from the fitted pose.

    (478, 2|3) meshes with MediaPipe's 10 iris points keep their first 468 points.
    """
    points = np.asarray(landmarks, np.float64)
    if points.ndim != 2 or points.shape[0] not in (468, 478) or points.shape[1] not in (2, 3):
        raise ValueError(f"Expected landmarks of shape (468, 2|3) or (478, 2|3). "
                         f"Received shape {points.shape}")
    points = points[: cm.NUM_VERTICES]
    if not np.all(np.isfinite(points)):
        raise ValueError("The landmarks contain NaN or infinite values.")
    if points.shape[1] == 3 and np.ptp(points[:, 2]) > 0:
        return points
    z = head_pose(points[:, :2]).project(cm.canonical_vertices())[:, 2]
    return np.concatenate([points[:, :2], z[:, None]], axis=1)


def face_parts(landmarks, height, width):
    """Rasterizes the face mesh into class ids: skin and the parts, 0 where the mesh is absent.

    Args:
        landmarks: (468, 2) or (468, 3) pixel points (z toward the viewer).
        height: int. Image height.
        width: int. Image width.

    Returns:
        (labels (H, W) int32, canonical (H, W, 2) float64 canonical x, y of each face pixel).
    """
    points = _with_depth(landmarks)
    raster = rasterize(points, cm.face_triangles(), height, width)
    canonical = interpolate(raster, cm.canonical_vertices()[:, :2])
    xy = canonical.reshape(-1, 2)[raster.pixels]
    col = np.clip(((xy[:, 0] - _MAP_X0) / _MAP_CM).astype(np.int64), 0, _MAP_WIDTH - 1)
    row = np.clip(((xy[:, 1] - _MAP_Y0) / _MAP_CM).astype(np.int64), 0, _MAP_HEIGHT - 1)
    labels = np.zeros(height * width, np.int32)
    labels[raster.pixels] = _part_map()[row, col]
    return labels.reshape(height, width), canonical


def _face_oval(points, height, width):
    """(H, W) bool: the pixel centres inside the face oval's polygon."""
    inside = np.zeros((height, width), np.uint8)
    oval = points[list(cm.FACE_OVAL), :2] - 0.5  # pixel centres are at integer + 0.5
    cv2.fillPoly(inside, [np.round(oval * 16).astype(np.int32)], 1, cv2.LINE_8, shift=4)
    return inside > 0


def part_boxes(landmarks, height, width):
    """The SPADE seed's layout: the face oval as skin, then one axis-aligned box per part.

    A part is drawn when most of its landmarks face the viewer (see `face_parts`); boxes are
    drawn nose, brows, mouth, eyes, later ones on top. Returns (H, W) int32, 0 outside the face.
    """
    points = _with_depth(landmarks)
    labels = np.where(_face_oval(points, height, width), SKIN, BACKGROUND).astype(np.int32)
    visible = _front_vertices(points)
    groups = {NOSE: [_NOSE_VERTICES], BROWS: list(_BROWS), MOUTH: [cm.LIPS_OUTER],
              EYES: [cm.RIGHT_EYE, cm.LEFT_EYE]}
    for class_id, loops in groups.items():
        for loop in loops:
            index = list(loop)
            if visible[index].mean() < 0.5:
                continue
            low = np.floor(points[index, :2].min(axis=0)).astype(int)
            high = np.ceil(points[index, :2].max(axis=0)).astype(int)
            labels[max(low[1], 0):max(high[1], 0), max(low[0], 0):max(high[0], 0)] = class_id
    return labels


# A generic adult head around the canonical face, in canonical cm (x left, y up, z out): the
# skull ellipsoid behind the face, the ears, and the neck (a vertical column below the pivot).
SKULL_CENTER, SKULL_RADII = (0.0, 1.5, -3.5), (8.0, 11.0, 9.3)
EAR_CENTERS, EAR_RADII = ((-7.95, 0.6, -4.1), (7.95, 0.6, -4.1)), (0.9, 2.8, 1.6)
NECK_PIVOT, NECK_HALF_WIDTH, NECK_LENGTH = (0.0, -5.0, -3.5), 5.3, 8.5
CLOTHES_DEPTH = 2.0  # cm below the neck where the clothes surely begin
HANGING_LENGTH = 10.0  # cm below the neck that long hair reaches
HANGING_CLEARANCE = 1.5  # cm beside the neck where it may still show, before hanging hair
HAIRLINE_GAP = 2.5  # cm of forehead that may show above the mesh before the hair begins
# The greatest thickness of hair over the skull (cm).
HAIR_THICKNESS = 1.5
# Where hair may hang over the face, in canonical cm, and its prior there: a fringe over the
# forehead, side hair over the temples and the sides of the cheeks.
FOREHEAD_Y, FOREHEAD_HAIR_PRIOR = 4.0, 0.3
SIDE_X, SIDE_Y, SIDE_HAIR_PRIOR = 6.0, -2.0, 0.12


def _ellipsoid_front(pose, center, radii, height, width):
    """(depth (H, W) pixel z of the front surface, -inf outside; canonical (H, W, 3) points).

    Solves the orthographic ray of each pixel centre against the ellipsoid `center`, `radii`
    (canonical cm) placed by `pose` (a `HeadPose`), within the box of its outline.
    """
    depth = np.full((height, width), -np.inf)
    canonical = np.zeros((height, width, 3))
    radii = np.asarray(radii, np.float64)
    middle = pose.project(np.asarray(center, np.float64)[None])[0]
    half = pose.scale * np.sqrt(((pose.rotation[:2] * radii) ** 2).sum(axis=1))
    x0, y0 = np.maximum(np.floor(middle[:2] - half).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(middle[:2] + half).astype(int) + 1, (width, height))
    if x1 <= x0 or y1 <= y0:
        return depth, canonical
    rows, cols = np.mgrid[y0:y1, x0:x1] + 0.5
    pixels = np.stack([cols, rows, np.zeros_like(rows)], -1) - pose.translation
    # Canonical point of each pixel at pixel z = 0, and its step per unit of pixel z, in units
    # of the radii (the ellipsoid is the unit sphere there).
    origin = ((pixels * _FLIP_Y) @ pose.rotation / pose.scale - center) / radii
    direction = pose.rotation[2] / pose.scale / radii
    a = direction @ direction
    b = 2.0 * origin @ direction
    disc = b * b - 4 * a * ((origin * origin).sum(-1) - 1.0)
    inside = disc >= 0
    front = np.where(inside, (-b + np.sqrt(np.maximum(disc, 0.0))) / (2 * a), -np.inf)
    depth[y0:y1, x0:x1] = front
    canonical[y0:y1, x0:x1] = (origin + np.where(inside, front, 0.0)[..., None] * direction) \
        * radii + center
    return depth, canonical


def head_regions(landmarks, height, width):
    """Where the parts of a generic head fall around a face mesh: a dict of (H, W) arrays.

    `skull` bool: the visible skull (ears excluded); `skull_y` float: canonical height of the
    skull's surface there; `hair_margin` bool: within `HAIR_THICKNESS` around the skull; `ears`
    bool; `neck` bool: the column below the head; `throat` bool: the middle of the neck, a
    centimetre clear of the chin and of the clothes; `torso` bool: below the neck; `clothes`
    bool: the torso from `CLOTHES_DEPTH` down, where long hair does not fall; `hanging` bool:
    beside the neck, where long hair falls and skin hardly shows; `near_face` bool: within
    `HAIRLINE_GAP` of the face oval (forehead or hair).
    """
    points = np.asarray(landmarks, np.float64)
    pose = head_pose(points[:, :2])
    scale = pose.scale
    skull_depth, skull = _ellipsoid_front(pose, SKULL_CENTER, SKULL_RADII, height, width)
    has_skull = np.isfinite(skull_depth)
    outer, _ = _ellipsoid_front(pose, SKULL_CENTER, np.add(SKULL_RADII, HAIR_THICKNESS),
                                height, width)
    ears = np.zeros((height, width), bool)
    for center in EAR_CENTERS:
        ears |= _ellipsoid_front(pose, center, EAR_RADII, height, width)[0] > skull_depth
    pivot, ear_level = pose.project(np.array([NECK_PIVOT, EAR_CENTERS[0]]))
    chin = points[cm.CHIN, :2]
    rows, cols = np.mgrid[0:height, 0:width] + 0.5
    beside = np.abs(cols - pivot[0]) / scale  # cm from the neck's axis
    bottom = pivot[1] + NECK_LENGTH * scale
    neck = (beside < NECK_HALF_WIDTH) & (rows > min(pivot[1], chin[1])) & (rows < bottom) & ~ears
    long_hair = ((beside > NECK_HALF_WIDTH) & (beside < SKULL_RADII[0] + HAIR_THICKNESS)
                 & (rows > ear_level[1]) & (rows < bottom + HANGING_LENGTH * scale))
    outside_face = (~_face_oval(points, height, width)).astype(np.uint8)
    face_distance = cv2.distanceTransform(outside_face, cv2.DIST_L2, 3)
    return {
        "skull": has_skull & ~ears, "skull_y": skull[..., 1], "ears": ears,
        "hair_margin": np.isfinite(outer) & ~has_skull,
        "neck": neck & ~has_skull,
        "throat": neck & (beside < 0.5 * NECK_HALF_WIDTH)
        & (rows > max(pivot[1], chin[1]) + scale) & (rows < bottom - scale),
        "torso": rows >= bottom,
        "clothes": (rows >= bottom + CLOTHES_DEPTH * scale) & ~long_hair,
        "hanging": long_hair & (beside > NECK_HALF_WIDTH + HANGING_CLEARANCE) & ~has_skull,
        "near_face": face_distance < HAIRLINE_GAP * scale,
    }


def _front_vertices(points):
    """(468,) bool: vertices on the visible surface of the z-buffered mesh (with some slack)."""
    origin = np.floor(points[:, :2].min(axis=0)) - 1
    local = points - np.append(origin, 0.0)
    width, height = (np.ceil(local[:, :2].max(axis=0)) + 2).astype(int)
    raster = rasterize(local, cm.face_triangles(), height, width)
    depth = raster.depth[local[:, 1].astype(int), local[:, 0].astype(int)]
    return points[:, 2] >= depth - 0.05 * np.ptp(points[:, 0])


WORKING_SIZE = 256  # hair, skin and background are found at most at this size, then upsampled


def _face_hair_prior(face, canonical):
    """(H, W) prior of hair over the face-mesh skin (0 where hair cannot be)."""
    x, y = canonical[..., 0], canonical[..., 1]
    prior = np.where((np.abs(x) > SIDE_X) & (y > SIDE_Y), SIDE_HAIR_PRIOR, 0.0)
    prior[y > FOREHEAD_Y] = FOREHEAD_HAIR_PRIOR
    return np.where(face == SKIN, prior, 0.0)


def _around_face(image, points, refine):
    """Background, skin or hair at every pixel, found at `WORKING_SIZE` and upsampled."""
    height, width = image.shape[:2]
    factor = min(1.0, WORKING_SIZE / max(height, width))
    small = image
    if factor < 1.0:
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    h, w = small.shape[:2]
    scaled = points * np.array([w / width, h / height, factor])
    face, canonical = face_parts(scaled, h, w)
    labels = segmentation.classify_head(
        small, face, head_regions(scaled, h, w), segmentation.person_mask(small),
        _face_hair_prior(face, canonical), refine=refine)
    if (h, w) == (height, width):
        return labels
    one_hot = (labels[..., None] == np.arange(3)).astype(np.float32)
    return cv2.resize(one_hot, (width, height), interpolation=cv2.INTER_LINEAR).argmax(-1)


def face_mask(image, landmarks, parts="polygons", hair=True, refine="grabcut"):
    """The 7-class mask (`keras_portrait.labels.MASK_CLASSES`) of a portrait.

    Args:
        image: a path or an array (see `keras_portrait.imaging.image_input.as_rgb8`).
        landmarks: (468, 2) or (468, 3) pixel points of the face mesh (z toward the viewer;
            filled from the fitted pose when absent), e.g. from `landmarks.landmarks`; (478, ·)
            with iris points works too. None (no face found) gives an all-background mask.
        parts: `"polygons"` (the face regions carried by the mesh, hidden parts hidden) or
            `"boxes"` (the SPADE seed's layout: the face oval, one box per visible part).
            Defaults to `"polygons"`.
        hair: bool. Find hair, ears, neck and clothes with the person segmentation and colour
            models; False labels only the face (everything else background). Defaults to `True`.
        refine: `"grabcut"` (re-segment the hair with GrabCut) or None. Defaults to
            `"grabcut"`.

    Returns:
        (H, W) int32 class ids.

    Raises:
        ValueError: for an unknown `parts` or `refine`, or landmarks of another shape.
        FileNotFoundError: with `hair=True` when the `mediapipe` wheel, which ships the person
            segmentation model, is not installed (see `segmentation.person_mask`).
    """
    if parts not in PARTS_MODES:
        raise ValueError(f"Unknown parts {parts!r}. Valid: {', '.join(PARTS_MODES)}")
    if refine not in REFINE_MODES:
        raise ValueError(f"Unknown refine {refine!r}. Valid: 'grabcut', None")
    image = as_rgb8(image)
    height, width = image.shape[:2]
    if landmarks is None:
        return np.zeros((height, width), np.int32)
    points = _with_depth(landmarks)
    face, canonical = face_parts(points, height, width)
    face_hair = _face_hair_prior(face, canonical)
    if parts == "boxes":
        face = part_boxes(points, height, width)
    mask = face.copy()
    if hair:
        around = _around_face(image, points, refine)
        mask = np.where(face > 0, face, around)
        mask[(face_hair > 0) & (face == SKIN) & (around == HAIR)] = HAIR
    return mask.astype(np.int32)


def hair_mask(image, landmarks):
    """(H, W) bool: where `face_mask` finds hair in a portrait (its person segmentation, colour
    models and GrabCut); what the rotation's hair sheet turns with the head.

    Raises:
        FileNotFoundError: when the `mediapipe` wheel (the person segmentation) is missing.
    """
    return face_mask(image, landmarks) == HAIR
