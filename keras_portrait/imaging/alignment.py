"""FFHQ-style face alignment: a similarity crop from eyes and mouth, and pasting results back.

The crop is the oriented square of the FFHQ dataset script (Karras et al., 2019): its rotation
averages the eye line and the eye-to-mouth line, its side follows the larger of the eye distance
and the eye-to-mouth distance, its centre sits a little below the eyes. It is one similarity
transform, so the crop is a single `cv2.warpAffine` and its exact inverse pastes an edited crop
back into the original picture.

Coordinates follow the package: pixel (i, j) is centred at (j + 0.5, i + 0.5), so landmarks and
the matrices of `Aligned` use the same continuous frame as `SynthPortraits`.

Reference:
    Karras, Laine, Aila, "A Style-Based Generator Architecture for Generative Adversarial
    Networks", CVPR 2019 (the FFHQ alignment procedure).
"""

import dataclasses

import cv2
import numpy as np

from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.imaging.image_input import as_rgb8

# (half side / eye distance, half side / eye-to-mouth distance, centre shift toward the mouth).
TEMPLATES = {
    # The FFHQ crop: the whole head with hair and some background.
    "ffhq": (2.0, 1.8, 0.1),
    # The face from the top of the forehead to the chin fills the crop (face-only models).
    "tight": (1.45, 1.3, 0.45),
}
BORDERS = {"reflect": cv2.BORDER_REFLECT_101, "constant": cv2.BORDER_CONSTANT}
_LANDMARKS_68 = np.array(cm.LANDMARKS_68)


def five_point_landmarks(landmarks):
    """The 5-point set (eye centres, nose tip, mouth corners) of 468, 478, 68 or 5 landmarks.

    The order is the one face detectors (MTCNN, RetinaFace) return: the eye on the image's left
    in a frontal view (the subject's right), the other eye, the nose tip, then the mouth corner
    on the image's left and the other one. An eye centre is the mean of its six iBUG points, so
    468 and 68 landmarks give the same five points.

    Args:
        landmarks: array (N, 2) or (N, 3) pixel coordinates, N in {468, 478, 68, 5}; 478 is
            MediaPipe's mesh with irises (the irises are ignored). z is dropped.

    Returns:
        (5, 2) float64 array.
    """
    points = np.asarray(landmarks, np.float64)
    if points.ndim != 2 or points.shape[1] not in (2, 3) or \
            points.shape[0] not in (cm.NUM_VERTICES, cm.NUM_VERTICES + 10, 68, 5):
        raise ValueError("Expected landmarks of shape (468, 2|3), (478, 2|3), (68, 2|3) or "
                         f"(5, 2|3). Received shape {points.shape}")
    points = points[:, :2]
    if len(points) == 5:
        return points.copy()
    if len(points) != 68:
        points = points[_LANDMARKS_68]
    return np.stack([points[36:42].mean(0), points[42:48].mean(0), points[30], points[48],
                     points[54]])


def template_square(five_points, template="ffhq"):
    """(centre (2,), x (2,), y (2,)): the oriented crop square of a template in the image.

    `x` and `y` are half sides: the square's corners are centre -x -y (top left), centre +x -y,
    centre +x +y, centre -x +y.
    """
    if template not in TEMPLATES:
        raise ValueError(f"Unknown template {template!r}. Valid: {', '.join(TEMPLATES)}")
    eye_factor, mouth_factor, shift = TEMPLATES[template]
    eye_left, eye_right, _, mouth_left, mouth_right = np.asarray(five_points, np.float64)
    eye_avg = (eye_left + eye_right) / 2
    eye_to_eye = eye_right - eye_left
    eye_to_mouth = (mouth_left + mouth_right) / 2 - eye_avg
    # rot90 in image coordinates turns the downward eye-to-mouth vector to point left, so
    # subtracting it adds the mouth's evidence of the horizontal direction.
    x = eye_to_eye - np.array([-eye_to_mouth[1], eye_to_mouth[0]])
    norm = np.hypot(*x)
    if not norm > 0:
        raise ValueError("Degenerate landmarks: the eyes and the mouth coincide.")
    x *= max(np.hypot(*eye_to_eye) * eye_factor, np.hypot(*eye_to_mouth) * mouth_factor) / norm
    y = np.array([-x[1], x[0]])
    return eye_avg + eye_to_mouth * shift, x, y


def template_box(inner, outer="ffhq"):
    """Where the `inner` template's square lies in an `outer`-aligned crop, for a frontal face:
    `(top, left, bottom, right)` as fractions of the crop's side.

    Measured on the canonical face mesh seen from the front, so it holds for crops of upright,
    roughly frontal faces (`prepare`'s crops): e.g. the tight face square inside FFHQ crops, for
    networks trained on tight face crops (FaceNet) reading FFHQ-framed portraits.
    """
    points = cm.canonical_vertices()[:, :2] * np.array([1.0, -1.0])  # y down, as in images
    five = five_point_landmarks(points)
    centre, half, _ = template_square(five, outer)
    inner_centre, inner_half, _ = template_square(five, inner)
    side = 2.0 * np.hypot(*half)
    offset = (inner_centre - (centre - np.hypot(*half))) / side
    extent = np.hypot(*inner_half) / side
    return (float(offset[1] - extent), float(offset[0] - extent), float(offset[1] + extent),
            float(offset[0] + extent))


def similarity_to_crop(center, x, size):
    """2 x 3 matrix of the similarity that maps the square (`center`, half side `x`) onto the
    (size, size) crop, in continuous pixel coordinates."""
    scale = size / (2 * np.hypot(*x))
    c, s = x / np.hypot(*x) * scale
    linear = np.array([[c, s], [-s, c]])
    return np.concatenate([linear, (size / 2 - linear @ center)[:, None]], axis=1)


def invert_similarity(matrix):
    """The inverse of a 2 x 3 (or 3 x 3) affine matrix, as 2 x 3."""
    return cv2.invertAffineTransform(np.asarray(matrix, np.float64)[:2])


def transform_points(matrix, points):
    """Applies a 2 x 3 (or 3 x 3) affine matrix to (N, 2) points (extra columns are kept)."""
    matrix = np.asarray(matrix, np.float64)[:2]
    points = np.array(points, np.float64)
    points[:, :2] = points[:, :2] @ matrix[:, :2].T + matrix[:, 2]
    return points


def _cv2_matrix(matrix):
    """Continuous-frame matrix -> cv2's frame, where pixel centres are at integers."""
    out = np.array(matrix, np.float64)[:2].copy()
    out[:, 2] += out[:, :2] @ np.array([0.5, 0.5]) - 0.5
    return out


@dataclasses.dataclass(frozen=True)
class Aligned:
    """An aligned face crop and the similarity that made it.

    Attributes:
        image: (size, size, 3) uint8 crop.
        matrix: (2, 3) float64 similarity from the original image to the crop, in continuous
            pixel coordinates (pixel (i, j) centred at (j + 0.5, i + 0.5)).
        quad: (4, 2) corners of the crop in the original image: top left, top right, bottom
            right, bottom left.
        size: int. Side of the crop in pixels.
        template: str. Name of the template.
    """

    image: np.ndarray
    matrix: np.ndarray
    quad: np.ndarray
    size: int
    template: str

    @property
    def inverse_matrix(self):
        """(2, 3) similarity from the crop back to the original image."""
        return invert_similarity(self.matrix)

    def to_crop(self, points):
        """Maps (N, 2|3) original-image points into the crop (z is scaled with x and y)."""
        points = transform_points(self.matrix, points)
        if points.shape[1] > 2:
            points[:, 2] *= np.sqrt(abs(np.linalg.det(self.matrix[:, :2])))
        return points

    def to_original(self, points):
        """Maps (N, 2|3) crop points back into the original image."""
        inverse = self.inverse_matrix
        points = transform_points(inverse, points)
        if points.shape[1] > 2:
            points[:, 2] *= np.sqrt(abs(np.linalg.det(inverse[:, :2])))
        return points


def align(image, landmarks, size=256, template="ffhq", border="reflect"):
    """Crops the face of `image` to an upright `size` x `size` square, FFHQ-style.

    Args:
        image: the picture: a path or an array that `as_rgb8` reads (uint8 RGB after reading).
        landmarks: array (468|478|68|5, 2|3) in pixel coordinates of `image`.
        size: int. Side of the crop. Defaults to `256`.
        template: str. One of `TEMPLATES`: `"ffhq"` (head and hair, as the FFHQ dataset) or
            `"tight"` (the face fills the crop). Defaults to `"ffhq"`.
        border: str. How pixels outside the picture are filled: `"reflect"` mirrors the picture
            (without repeating the edge pixel, as FFHQ pads), `"constant"` paints black.
            Defaults to `"reflect"`.

    Returns:
        An `Aligned` with the crop and the similarity matrix (see `paste_back`).
    """
    if not isinstance(size, (int, np.integer)) or size < 8:
        raise ValueError(f"`size` must be an int >= 8. Received: size={size!r}")
    if border not in BORDERS:
        raise ValueError(f"Unknown border {border!r}. Valid: {', '.join(BORDERS)}")
    image = as_rgb8(image)
    center, x, y = template_square(five_point_landmarks(landmarks), template)
    matrix = similarity_to_crop(center, x, int(size))
    quad = np.stack([center - x - y, center + x - y, center + x + y, center - x + y])
    crop = warp_to_crop(image, matrix, int(size), border)
    return Aligned(image=crop, matrix=matrix, quad=quad, size=int(size), template=template)


def warp_to_crop(image, matrix, size, border="reflect"):
    """The `size`² crop of uint8 `image` under a 2 x 3 similarity `matrix` (continuous frame).

    This is `align`'s resampling for a matrix found elsewhere (another image of the same
    sitter, say): it shrinks first when the crop is much smaller, so that the bilinear warp does
    not alias (FFHQ shrinks before it crops, too). `border` is one of `BORDERS`.
    """
    if border not in BORDERS:
        raise ValueError(f"Unknown border {border!r}. Valid: {', '.join(BORDERS)}")
    matrix = np.asarray(matrix, np.float64)[:2]
    border = BORDERS[border]
    scale = np.sqrt(abs(np.linalg.det(matrix[:, :2])))
    shrink = int(np.floor(1.0 / scale)) if scale < 0.5 else 1
    if shrink > 1:
        h, w = image.shape[:2]
        small = (max(1, round(w / shrink)), max(1, round(h / shrink)))
        image = cv2.resize(image, small, interpolation=cv2.INTER_AREA)
        # Continuous coordinates scale exactly by the size ratio of the resized image.
        ratio = np.array([w / small[0], h / small[1]])
        matrix = np.concatenate([matrix[:, :2] * ratio[None, :], matrix[:, 2:]], axis=1)
    return cv2.warpAffine(image, _cv2_matrix(matrix), (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=border)


def feather_mask(size, feather=0.1):
    """(size, size) float32 mask: 1 inside, falling smoothly to 0 over `feather` * size at the
    edges of the crop."""
    width = max(feather * size, 1e-6)
    centres = np.arange(size) + 0.5
    edge = np.minimum(centres, size - centres) / width
    ramp = np.clip(edge, 0.0, 1.0)
    ramp = ramp * ramp * (3 - 2 * ramp)
    return np.minimum(ramp[:, None], ramp[None, :]).astype(np.float32)


def paste_back(original, crop, aligned, feather=0.1):
    """Warps a (possibly edited) crop back into the original picture and blends it in.

    Args:
        original: the picture that was aligned (path or array, read by `as_rgb8`).
        crop: the crop or an edited crop, any square size (read by `as_rgb8`).
        aligned: the `Aligned` of `original` or its (2, 3) / (3, 3) matrix. With an `Aligned`,
            a crop of another size than `aligned.size` is rescaled; a bare matrix must map to
            the crop as given.
        feather: float in [0, 0.5]. Width of the blended band at the crop's edges, as a share
            of its side. Defaults to `0.1`.

    Returns:
        (H, W, 3) uint8: `original` with the crop pasted back.
    """
    if not 0.0 <= feather <= 0.5:
        raise ValueError(f"`feather` must be in [0, 0.5]. Received: feather={feather!r}")
    original = as_rgb8(original)
    crop = as_rgb8(crop)
    if crop.shape[0] != crop.shape[1]:
        raise ValueError(f"Expected a square crop. Received shape {crop.shape}")
    if isinstance(aligned, Aligned):
        matrix = aligned.matrix * (crop.shape[0] / aligned.size)
    else:
        matrix = np.asarray(aligned, np.float64)
        if matrix.shape not in ((2, 3), (3, 3)):
            raise ValueError(f"Expected an `Aligned` or a (2, 3) or (3, 3) matrix. Received "
                             f"shape {matrix.shape}")
        matrix = matrix[:2]
    h, w = original.shape[:2]
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    back = cv2.warpAffine(crop, _cv2_matrix(matrix), (w, h), flags=flags,
                          borderMode=cv2.BORDER_REPLICATE)
    mask = cv2.warpAffine(feather_mask(crop.shape[0], feather), _cv2_matrix(matrix), (w, h),
                          flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    alpha = mask[:, :, None]
    blended = original.astype(np.float32) * (1 - alpha) + back.astype(np.float32) * alpha
    return np.clip(np.round(blended), 0, 255).astype(np.uint8)
