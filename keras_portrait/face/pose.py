"""Head pose (yaw, pitch, roll) from face landmarks, by fitting the canonical mesh.

The landmarks are fitted with a scaled rotation of the canonical mesh under an orthographic
(weak-perspective) camera, on rigid points only: forehead, nose bridge and base, eye corners,
cheekbones and temples, none of which moves with the jaw, the lips or the brows.
- With depth, (468, 3) or (68, 3): a weighted Procrustes fit (Umeyama) in 3D, closed form.
- Without, (468, 2), (68, 2) or (5, 2): the canonical depth is the depth model; an affine
  camera gives the start, then Levenberg-Marquardt on rotation, scale and translation minimises
  the 2D error.
The orthographic model is exact for SynthPortraits and close to MediaPipe's landmark output,
whose z is in the units of x.

Angles follow `SynthPortraits`: rotation R = R_roll @ R_pitch @ R_yaw of the head in a frame
with x to the image's right, y up and z toward the viewer; positive yaw turns the nose to the
image's right, positive pitch looks up, positive roll tilts the head clockwise in the image.
"""

import dataclasses
import math

import cv2
import numpy as np

from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.imaging.alignment import five_point_landmarks

# Rigid vertices of the 468 mesh: forehead (10 ... 338), nose bridge and base (168 ... 327),
# eye corners, cheekbones (116 ... 280) and temples along the face oval (234 ... 284).
RIGID_VERTICES = (10, 151, 9, 8, 109, 338, 67, 297, 103, 332,
                  168, 6, 197, 195, 5, 4, 2, 98, 327,
                  33, 133, 362, 263,
                  116, 345, 123, 352, 50, 280,
                  234, 454, 127, 356, 162, 389, 21, 251, 54, 284)
# Rigid points of the iBUG 68: upper jaw line (temples), nose, eye corners.
RIGID_68 = (0, 1, 15, 16, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 39, 42, 45)
_FLIP_Y = np.array([1.0, -1.0, 1.0])  # pixel frame (y down) <-> canonical frame (y up)


def rotation_matrix(yaw, pitch, roll):
    """(3, 3) R = R_roll @ R_pitch @ R_yaw of angles in degrees (the package's convention)."""
    y, p, r = math.radians(yaw), math.radians(-pitch), math.radians(-roll)
    r_yaw = np.array([[math.cos(y), 0.0, math.sin(y)], [0.0, 1.0, 0.0],
                      [-math.sin(y), 0.0, math.cos(y)]])
    r_pitch = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(p), -math.sin(p)],
                        [0.0, math.sin(p), math.cos(p)]])
    r_roll = np.array([[math.cos(r), -math.sin(r), 0.0], [math.sin(r), math.cos(r), 0.0],
                       [0.0, 0.0, 1.0]])
    return r_roll @ r_pitch @ r_yaw


def euler_angles(rotation):
    """(yaw, pitch, roll) in degrees of a rotation made by `rotation_matrix`."""
    r = np.asarray(rotation, np.float64)
    yaw = math.degrees(math.atan2(-r[2, 0], r[2, 2]))
    pitch = -math.degrees(math.asin(min(max(r[2, 1], -1.0), 1.0)))
    roll = math.degrees(math.atan2(r[0, 1], r[1, 1]))
    return yaw, pitch, roll


@dataclasses.dataclass(frozen=True)
class HeadPose:
    """A fitted head pose. Iterating gives (yaw, pitch, roll), so `yaw, pitch, roll = pose`.

    The fit maps a canonical point c (cm, y up) to pixels as
    `translation + scale * (rotation @ c) * (1, -1, 1)`.

    Attributes:
        yaw, pitch, roll: float. Degrees.
        rotation: (3, 3) float64 head rotation in the canonical frame.
        scale: float. Pixels per canonical unit (cm).
        translation: (3,) float64 pixel position of the canonical origin; z is 0 when the
            landmarks had no depth.
        rms_error: float. Root mean square residual of the rigid points, in pixels.
    """

    yaw: float
    pitch: float
    roll: float
    rotation: np.ndarray
    scale: float
    translation: np.ndarray
    rms_error: float

    def __iter__(self):
        return iter((self.yaw, self.pitch, self.roll))

    @property
    def angles(self):
        """(3,) float32 array (yaw, pitch, roll) in degrees."""
        return np.array([self.yaw, self.pitch, self.roll], np.float32)

    def project(self, points):
        """Pixel coordinates (N, 3) of canonical points (N, 3) under the fitted pose."""
        points = np.asarray(points, np.float64)
        return self.translation + self.scale * (points @ self.rotation.T) * _FLIP_Y


def _correspondences(landmarks):
    """(observed (N, 2|3), canonical (N, 3), weights (N,)) of a landmark set."""
    points = np.asarray(landmarks, np.float64)
    if points.ndim != 2 or points.shape[1] not in (2, 3):
        raise ValueError(f"Expected landmarks of shape (N, 2) or (N, 3). Received shape "
                         f"{points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("Landmarks contain NaN or infinite values.")
    vertices = cm.canonical_vertices()
    n = len(points)
    if n in (cm.NUM_VERTICES, cm.NUM_VERTICES + 10):
        index = np.array(RIGID_VERTICES)
        return points[index], vertices[index], np.ones(len(index))
    if n == 68:
        index = np.array(RIGID_68)
        return points[index], vertices[np.array(cm.LANDMARKS_68)[index]], np.ones(len(index))
    if n == 5:
        canonical_2d = five_point_landmarks(vertices)  # x, y only: rebuild the depths
        depth = five_point_landmarks(vertices[:, [0, 2]])[:, 1]
        canonical = np.concatenate([canonical_2d, depth[:, None]], axis=1)
        return points[:, :2], canonical, np.ones(5)
    raise ValueError(f"Expected 468, 478, 68 or 5 landmarks. Received {n}")


def _fit_3d(observed, canonical, w):
    """Weighted Umeyama: observed ~ s R canonical + t, rows. Returns (s, R, t)."""
    w = w / w.sum()
    mean_c, mean_o = w @ canonical, w @ observed
    a, b = canonical - mean_c, observed - mean_o
    u, d, vt = np.linalg.svd((b * w[:, None]).T @ a)
    sign = np.array([1.0, 1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ np.diag(sign) @ vt
    scale = (d * sign).sum() / (w @ (a ** 2).sum(1))
    return scale, rotation, mean_o - scale * rotation @ mean_c


def _cost(observed, canonical, w, scale, rotation, t):
    residual = scale * (canonical @ rotation[:2].T) + t - observed
    return w @ (residual ** 2).sum(1), residual


def _fit_2d(observed, canonical, w, iterations=50):
    """observed ~ s (R canonical)[:2] + t by Levenberg-Marquardt from an affine start."""
    w = w / w.sum()
    mean_c, mean_o = w @ canonical, w @ observed
    a, b = canonical - mean_c, observed - mean_o
    affine = np.linalg.lstsq(a * np.sqrt(w)[:, None], b * np.sqrt(w)[:, None], rcond=None)[0].T
    u, singular, vt = np.linalg.svd(affine, full_matrices=False)
    rows = u @ vt  # the nearest pair of orthonormal rows
    rotation = np.vstack([rows, np.cross(rows[0], rows[1])])
    scale = singular.mean()
    t = mean_o - scale * rotation[:2] @ mean_c
    cost, residual = _cost(observed, canonical, w, scale, rotation, t)
    damping, root_w = 1e-3, np.sqrt(w)[:, None, None]
    for _ in range(iterations):
        q = canonical @ rotation.T
        # Jacobian of the residual in (left rotation increment, scale, tx, ty).
        jacobian = np.zeros((len(q), 2, 6))
        jacobian[:, 0, 1], jacobian[:, 0, 2] = scale * q[:, 2], -scale * q[:, 1]
        jacobian[:, 1, 0], jacobian[:, 1, 2] = -scale * q[:, 2], scale * q[:, 0]
        jacobian[:, :, 3] = q[:, :2]
        jacobian[:, 0, 4] = jacobian[:, 1, 5] = 1.0
        jacobian = (jacobian * root_w).reshape(-1, 6)
        gradient = jacobian.T @ (residual * root_w[:, 0]).reshape(-1)
        hessian = jacobian.T @ jacobian
        while damping < 1e8:
            step = -np.linalg.solve(hessian + damping * np.diag(np.diag(hessian) + 1e-12),
                                    gradient)
            trial = (scale + step[3], cv2.Rodrigues(step[:3])[0] @ rotation, t + step[4:])
            trial_cost, trial_residual = _cost(observed, canonical, w, *trial)
            if trial_cost <= cost:
                break
            damping *= 10
        else:
            break
        scale, rotation, t = trial
        cost, residual, damping = trial_cost, trial_residual, max(damping / 10, 1e-9)
        if np.abs(step).max() < 1e-7:  # radians, pixels: far below what the angles show
            break
    return scale, rotation, np.append(t, 0.0)


def head_pose(landmarks, use_depth=True):
    """Fits the head pose of face landmarks.

    Args:
        landmarks: array of pixel coordinates (x right, y down): (468, 3) or (478, 3) with z
            in pixel units positive toward the viewer (MediaPipe's topology), (468, 2), (68, 2)
            or (68, 3) in the iBUG order, or (5, 2) (eyes, nose tip, mouth corners; see
            `five_point_landmarks`). Five points give a rough pose only.
        use_depth: bool. Use z when the landmarks have it; `False` fits x and y only.
            Defaults to `True`.

    Returns:
        A `HeadPose`; `yaw, pitch, roll = head_pose(landmarks)` gives the degrees.
    """
    observed, canonical, w = _correspondences(landmarks)
    if observed.shape[1] == 3 and use_depth:
        scale, rotation, t = _fit_3d(observed * _FLIP_Y, canonical, w)
        residual = scale * canonical @ rotation.T + t - observed * _FLIP_Y
    else:
        flip = _FLIP_Y[:2]
        scale, rotation, t = _fit_2d(observed[:, :2] * flip, canonical, w)
        residual = scale * canonical @ rotation[:2].T + t[:2] - observed[:, :2] * flip
    yaw, pitch, roll = euler_angles(rotation)
    rms = float(np.sqrt((w @ (residual ** 2).sum(1)) / w.sum()))
    return HeadPose(yaw=yaw, pitch=pitch, roll=roll, rotation=rotation, scale=float(scale),
                    translation=t * _FLIP_Y, rms_error=rms)


def pose_axes(pose, length=5.0, origin=None):
    """2D endpoints of the head's axes, for drawing a pose over the image.

    Args:
        pose: a `HeadPose`.
        length: float. Axis length in canonical units (cm; the eyes are ~6.4 apart).
            Defaults to `5.0`.
        origin: optional (3,) canonical point the axes start from. Defaults to the nose tip.

    Returns:
        (4, 2) float32 pixel coordinates: the origin, then the ends of the head's x axis
        (toward the subject's left), y axis (up) and z axis (where the nose points).
    """
    if origin is None:
        origin = cm.canonical_vertices()[cm.NOSE_TIP]
    origin = np.asarray(origin, np.float64)
    points = np.vstack([origin, origin + np.eye(3) * length])
    return pose.project(points)[:, :2].astype(np.float32)


def draw_pose_axes(image, pose, length=5.0, thickness=2):
    """Returns a copy of the uint8 RGB `image` with the head axes drawn: x red, y green,
    z (the facing direction) blue."""
    out = np.array(image, np.uint8, copy=True)
    ends = np.round(pose_axes(pose, length) - 0.5).astype(np.int32)
    for end, color in zip(ends[1:], ((255, 0, 0), (0, 255, 0), (0, 0, 255))):
        cv2.line(out, tuple(int(v) for v in ends[0]), tuple(int(v) for v in end), color,
                 thickness, cv2.LINE_AA)
    return out
