"""A head mesh fitted to one picture, turned to another pose and rendered back with its texture.

The mesh has three parts (four with a hair sheet), all textured from the picture itself:
- the face: the picture's 468 landmarks (x, y and z) taken as vertices, with the canonical
  mesh's triangles;
- a shell closing the head behind the face: every face-oval vertex starts a path over a head
  ellipsoid to the back of the skull, so forehead, temples, ears and hair near the face turn with
  it and a turned head is not a floating mask;
- optionally a hair sheet: where a mask says the picture shows hair beyond the head's outline
  (long hair, curls), a flat sheet through the middle of the skull, facing the viewer, carries
  it; it turns with the head, and what it covered on the background becomes a hole;
- a background plane behind everything, covering the picture, which does not turn (neck,
  shoulders and the backdrop stay where they are; without a hair sheet, hair outside the shell
  too).

Turning keeps the fitted pitch and roll (unless asked otherwise) and changes the yaw of
`R = R_roll @ R_pitch @ R_yaw` about a pivot at the top of the neck, as SynthPortraits turns its
heads. The camera is orthographic, like the pose fit.

A rendered pixel takes its colour from where its surface point lies in the source picture; it is
a hole when nothing is drawn there or when that point was hidden in the source (its depth lies
behind the surface the source shows at that place, by more than `DEPTH_TOLERANCE` cm): parts that
turn into view have no texture. Holes are filled with 0 and returned as a mask.
"""

import dataclasses

import cv2
import numpy as np

from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.imaging.image_input import as_rgb8
from keras_portrait.face.pose import HeadPose
from keras_portrait.face.pose import euler_angles
from keras_portrait.face.pose import head_pose
from keras_portrait.face.pose import rotation_matrix
from keras_portrait.imaging.raster import interpolate
from keras_portrait.imaging.raster import rasterize

# A generic head in the canonical frame (cm, y up, z toward the viewer): the skull ellipsoid the
# shell follows and the pivot the head turns about (the top of the neck).
HEAD_CENTER = np.array([0.0, 1.5, -3.5])
HEAD_RADII = np.array([8.0, 11.0, 9.3])
HEAD_PIVOT = np.array([0.0, -5.0, -3.5])
SHELL_RINGS = 6
# How far behind the pivot the background plane lies: farther than any point of a head turned
# by any angle, so the plane never covers the head.
BACKGROUND_DEPTH = 30.0
# A point counts as seen in the source when the surface shown there is at most this far in
# front of it (cm).
DEPTH_TOLERANCE = 1.0
# A surface seen edge-on in the source has too few pixels of texture to be turned to face the
# viewer: where a triangle would be magnified more than 1 / MIN_TEXTURE_SCALE times in area, the
# render has a hole.
MIN_TEXTURE_SCALE = 0.25
# The hair sheet's grid: cells of this share of the picture's shorter side.
HAIR_SHEET_CELL = 1.0 / 64.0
# How far the hair sheet follows the head: fully at the head's outline, less and less farther
# out, not at all from this share of the picture's shorter side away, nor at the picture's
# edge (the hair goes on beyond it, unseen), so no band of the background behind the hair opens.
HAIR_SHEET_REACH = 0.3
HAIR_SHEET_EDGE = 0.05
_FLIP_Y = np.array([1.0, -1.0, 1.0])


def _in_picture(pose, vertices):
    """Pixel positions of canonical `vertices` at the picture's own pose."""
    return pose.translation + pose.scale * (vertices @ pose.rotation.T) * _FLIP_Y


def _orient_outward(vertices, triangles, center):
    """Orders each triangle counter-clockwise seen from outside (normal away from `center`)."""
    a, b, c = (vertices[triangles[:, k]] for k in range(3))
    normal = np.cross(b - a, c - a)
    inward = np.einsum("ij,ij->i", normal, (a + b + c) / 3 - center) < 0
    triangles = triangles.copy()
    triangles[inward] = triangles[inward][:, [0, 2, 1]]
    return triangles


def _shell(face_vertices, rings):
    """Vertices (rings x 36 + 1 pole) and triangles of the shell behind the face oval.

    A path starts at each oval vertex and follows the ellipsoid to its back pole (spherical
    interpolation of the directions); the oval's offset from the ellipsoid fades along the path,
    so the shell meets the face without a step.
    """
    oval = np.array(cm.FACE_OVAL)
    start = face_vertices[oval]
    unit = (start - HEAD_CENTER) / HEAD_RADII
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    offset = start - (HEAD_CENTER + unit * HEAD_RADII)
    back = np.array([0.0, 0.0, -1.0])
    omega = np.arccos(np.clip(unit @ back, -1.0, 1.0))[None, :, None]
    t = np.linspace(0.0, 1.0, rings + 2)[1:-1][:, None, None]
    direction = (np.sin((1 - t) * omega) * unit[None] + np.sin(t * omega) * back) / np.sin(omega)
    ring_points = HEAD_CENTER + direction * HEAD_RADII + offset[None] * (1 - t) ** 2
    pole = HEAD_CENTER + back * HEAD_RADII
    vertices = np.concatenate([ring_points.reshape(-1, 3), pole[None]])

    first = len(face_vertices)
    ids = np.concatenate([oval[None], first + np.arange(rings * len(oval)).reshape(rings, -1)])
    pole_id = first + rings * len(oval)
    triangles = []
    for k in range(rings):
        a, b = ids[k], np.roll(ids[k], -1)
        c, d = ids[k + 1], np.roll(ids[k + 1], -1)
        triangles += [np.stack([a, c, b], 1), np.stack([b, c, d], 1)]
    triangles.append(np.stack([ids[-1], np.full(len(oval), pole_id), np.roll(ids[-1], -1)], 1))
    all_vertices = np.concatenate([face_vertices, vertices])
    return vertices, _orient_outward(all_vertices, np.concatenate(triangles), HEAD_CENTER)


@dataclasses.dataclass(frozen=True)
class HeadMesh:
    """A head fitted to a picture: vertices in the canonical frame and the pose that places them.

    Attributes:
        vertices: (N, 3) float64 head vertices in the canonical frame (cm, y up): the 468 face
            vertices first, then the shell.
        triangles: (T, 3) int64 head triangles, counter-clockwise seen from outside.
        pose: `HeadPose` of the picture; `pose.project(vertices)` gives the landmarks back.
        height, width: int. Size of the picture in pixels.
        sheet_triangles: (S, 3) int64 triangles of the hair sheet (indices of `vertices`, whose
            last vertices are the sheet's), drawn from both sides; (0, 3) without one.
        sheet_follow: (V,) float64 in [0, 1], one per sheet vertex (the last V of `vertices`):
            how far each follows the head's turn (1: turns with it, 0: stays where it is).
    """

    vertices: np.ndarray
    triangles: np.ndarray
    pose: HeadPose
    height: int
    width: int
    sheet_triangles: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros((0, 3), np.int64))
    sheet_follow: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))

    @property
    def num_head_vertices(self):
        return len(self.vertices)

    def rotation(self, yaw=None, pitch=None, roll=None):
        """(3, 3) head rotation with the given angles (degrees); None keeps the fitted one."""
        fitted = euler_angles(self.pose.rotation)
        angles = [fitted[k] if value is None else float(value)
                  for k, value in enumerate((yaw, pitch, roll))]
        return rotation_matrix(*angles)

    def pixels(self, rotation=None):
        """(N + 4, 3) pixel positions (x right, y down, z toward the viewer) of the head turned
        to `rotation` (default: the fitted pose) about the neck pivot, then the 4 corners of
        the background plane."""
        pose = self.pose
        rotation = pose.rotation if rotation is None else np.asarray(rotation, np.float64)
        pivot = pose.rotation @ HEAD_PIVOT
        turned = pivot + (self.vertices - HEAD_PIVOT) @ rotation.T
        head = pose.translation + pose.scale * turned * _FLIP_Y
        follow = self.sheet_follow
        if len(follow):
            # The hair sheet's vertices go part of the way, from where they lie in the picture.
            still = _in_picture(pose, self.vertices[-len(follow):])
            head[-len(follow):] = follow[:, None] * head[-len(follow):] + (
                1.0 - follow[:, None]) * still
        depth = pose.translation[2] + pose.scale * (pivot[2] - BACKGROUND_DEPTH)
        corners = np.array([[0.0, 0.0], [0.0, self.height], [self.width, self.height],
                            [self.width, 0.0]])
        plane = np.concatenate([corners, np.full((4, 1), depth)], axis=1)
        return np.concatenate([head, plane])

    @property
    def scene_triangles(self):
        """(T + S + 2, 3) triangles of the head, the hair sheet and the background plane
        (indices of `pixels`)."""
        n = self.num_head_vertices
        plane = np.array([[n, n + 1, n + 2], [n, n + 2, n + 3]])
        return np.concatenate([self.triangles, self.sheet_triangles, plane])

    @property
    def double_sided(self):
        """(T + S + 2,) bool: the hair sheet and the background plane are drawn from both
        sides, the head is culled."""
        flags = np.zeros(len(self.triangles) + len(self.sheet_triangles) + 2, bool)
        flags[len(self.triangles):] = True
        return flags


def _hair_sheet(vertices, triangles, pose, hair, cell):
    """Vertices (canonical frame) and triangles (numbered from `len(vertices)`) of a sheet
    under the hair that lies beyond the head's outline.

    The sheet is a grid of `cell`-pixel squares over the picture: a square belongs to it when
    most of its pixels are hair outside the rendered head, in a region of such hair that
    touches the head (a stray patch elsewhere stays on the background). Its vertices lie in
    the plane through the skull's centre facing the viewer (canonical z = `HEAD_CENTER[2]`);
    each follows the head's turn by its weight (`HAIR_SHEET_REACH`, `HAIR_SHEET_EDGE`), returned
    third.
    """
    height, width = hair.shape
    head = rasterize(_in_picture(pose, vertices), triangles, height, width, False).covered
    beyond = hair & ~head
    # Regions of hair beyond the outline that touch the head (within 2 px of it).
    near_head = cv2.dilate(head.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    _, labels = cv2.connectedComponents(beyond.astype(np.uint8), connectivity=8)
    touching = np.unique(labels[beyond & near_head])
    beyond &= np.isin(labels, touching[touching > 0])
    columns, rows = -(-width // cell), -(-height // cell)
    padded = np.zeros((rows * cell, columns * cell), np.float32)
    padded[:height, :width] = beyond
    share = padded.reshape(rows, cell, columns, cell).mean(axis=(1, 3))
    cells = np.argwhere(share > 0.5)  # (K, 2) row, column
    if not len(cells):
        return np.zeros((0, 3)), np.zeros((0, 3), np.int64), np.zeros(0)
    # The grid nodes the cells use, numbered in order.
    corners = np.concatenate([cells + offset for offset in ((0, 0), (0, 1), (1, 1), (1, 0))])
    nodes, index = np.unique(corners[:, 0] * (columns + 1) + corners[:, 1], return_inverse=True)
    a, b, c, d = index.reshape(4, -1)
    first = len(vertices)
    sheet_triangles = first + np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    node_xy = np.stack([nodes % (columns + 1), nodes // (columns + 1)], 1) * float(cell)
    # Canonical (x, y) of each node with z fixed: pixel = t + s * flip * (R @ v).
    rotation = pose.rotation
    z = HEAD_CENTER[2]
    rhs = (node_xy - pose.translation[:2]) / pose.scale * _FLIP_Y[:2] - rotation[:2, 2] * z
    xy = np.linalg.solve(rotation[:2, :2], rhs.T).T
    sheet = np.concatenate([xy, np.full((len(xy), 1), z)], axis=1)
    side = min(height, width)
    # Distance of each node to the head's outline, and to the picture's edge.
    to_head = cv2.distanceTransform((~head).astype(np.uint8), cv2.DIST_L2, 5)
    row = np.clip(node_xy[:, 1].astype(int), 0, height - 1)
    column = np.clip(node_xy[:, 0].astype(int), 0, width - 1)
    to_edge = np.minimum(np.minimum(node_xy[:, 0], width - node_xy[:, 0]),
                         np.minimum(node_xy[:, 1], height - node_xy[:, 1]))
    follow = np.minimum(np.clip(1.0 - to_head[row, column] / (HAIR_SHEET_REACH * side), 0, 1),
                        np.clip(to_edge / (HAIR_SHEET_EDGE * side), 0, 1))
    return sheet, sheet_triangles.astype(np.int64), follow.astype(np.float64)


def fit_head(landmarks, height, width, shell_rings=SHELL_RINGS, hair=None):
    """Fits a `HeadMesh` to a picture's 468-point mesh.

    Args:
        landmarks: (468, 3) or (478, 3) float array of pixel x, y (down) and z (toward the
            viewer, pixel units), as `keras_portrait.face.landmarks` returns.
        height, width: int. Size of the picture in pixels.
        shell_rings: int. Rings of the shell between the face oval and the back pole.
            Defaults to `6`.
        hair: optional (height, width) bool mask of the picture's hair (e.g. `hair_mask`):
            the hair beyond the head's outline gets a sheet that turns with the head. None:
            no sheet (that hair stays on the background).

    Returns:
        A `HeadMesh`.
    """
    points = np.asarray(landmarks, np.float64)
    if points.ndim != 2 or points.shape[0] not in (468, 478) or points.shape[1] != 3:
        raise ValueError(f"Expected (468, 3) landmarks with depth. Received shape {points.shape}")
    if height < 1 or width < 1:
        raise ValueError(f"Expected a positive picture size. Received {height} x {width}")
    if shell_rings < 1:
        raise ValueError(f"`shell_rings` must be >= 1. Received: shell_rings={shell_rings}")
    points = points[: cm.NUM_VERTICES]
    pose = head_pose(points)
    if not pose.scale > 0:
        raise ValueError("The landmarks do not fit a head (zero scale).")
    face = ((points - pose.translation) * _FLIP_Y / pose.scale) @ pose.rotation
    shell, shell_triangles = _shell(face, shell_rings)
    triangles = np.concatenate([np.asarray(cm.face_triangles(), np.int64), shell_triangles])
    vertices = np.concatenate([face, shell])
    sheet_triangles = np.zeros((0, 3), np.int64)
    follow = np.zeros(0)
    if hair is not None:
        hair = np.asarray(hair, bool)
        if hair.shape != (height, width):
            raise ValueError(f"`hair` must be a ({height}, {width}) mask. Received shape "
                             f"{hair.shape}")
        cell = max(2, int(round(min(height, width) * HAIR_SHEET_CELL)))
        sheet, sheet_triangles, follow = _hair_sheet(vertices, triangles, pose, hair, cell)
        vertices = np.concatenate([vertices, sheet])
    return HeadMesh(vertices=vertices, triangles=triangles, pose=pose, height=int(height),
                    width=int(width), sheet_triangles=sheet_triangles, sheet_follow=follow)


@dataclasses.dataclass(frozen=True)
class Render:
    """A textured render of a turned head.

    Attributes:
        image: (H, W, 3) uint8, 0 in the holes.
        holes: (H, W) bool. Pixels without texture: hidden in the source picture.
        yaw, pitch, roll: float. The pose the head was turned to (degrees).
    """

    image: np.ndarray
    holes: np.ndarray
    yaw: float
    pitch: float
    roll: float


def _areas(vertices, triangles):
    a, b, c = (vertices[triangles[:, k], :2] for k in range(3))
    ab, ac = b - a, c - a
    return np.abs(ab[:, 0] * ac[:, 1] - ac[:, 0] * ab[:, 1])


def render_texture(texture, source, target, triangles, double_sided, texture_valid=None,
                   tolerance=1.0, min_texture_scale=MIN_TEXTURE_SCALE):
    """Renders a mesh at `target` vertex positions, coloured from `texture`, where the same mesh
    lies at `source`.

    Args:
        texture: (H, W, C) uint8 picture the mesh was fitted to (at `source`).
        source, target: (N, 3) pixel positions of the vertices in the texture and the render.
        triangles: (T, 3) int array.
        double_sided: (T,) bool. Triangles drawn from both sides.
        texture_valid: optional (H, W) bool. Texture pixels that may be used (False: a hole of
            an earlier render).
        tolerance: float. Pixels: how far behind the surface the source shows a point may lie
            and still count as seen.
        min_texture_scale: float. A triangle whose area in the texture is less than this share
            of its area in the render (seen edge-on, stretched when turned to face the viewer)
            is a hole. Defaults to `MIN_TEXTURE_SCALE`.

    Returns:
        `(image, holes)`: (H, W, C) uint8 with 0 in the holes and (H, W) bool.
    """
    height, width = texture.shape[:2]
    seen_raster = rasterize(source, triangles, height, width, double_sided)
    raster = rasterize(target, triangles, height, width, double_sided)
    where = interpolate(raster, source, compact=True)  # (K, 3) source x, y, z of each pixel
    col = np.clip(np.floor(where[:, 0]).astype(np.int64), 0, width - 1)
    row = np.clip(np.floor(where[:, 1]).astype(np.int64), 0, height - 1)
    seen = seen_raster.depth[row, col] <= where[:, 2] + tolerance
    seen &= (where[:, 0] >= 0) & (where[:, 0] <= width) & (where[:, 1] >= 0)
    seen &= where[:, 1] <= height
    scale = _areas(source, triangles) / np.maximum(_areas(target, triangles), 1e-12)
    seen &= scale[raster.pixel_triangles()] >= min_texture_scale

    map_x = np.full(height * width, -1.0, np.float32)
    map_y = np.full(height * width, -1.0, np.float32)
    map_x[raster.pixels] = where[:, 0] - 0.5  # cv2 samples with pixel centres at integers
    map_y[raster.pixels] = where[:, 1] - 0.5
    map_x, map_y = map_x.reshape(height, width), map_y.reshape(height, width)
    if texture_valid is not None:
        # A sample that mixes in any hole pixel is a hole too.
        valid = cv2.remap(np.asarray(texture_valid, np.float32), map_x, map_y, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
        seen &= valid.reshape(-1)[raster.pixels] > 0.999
    image = cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    drawn = np.zeros(height * width, bool)
    drawn[raster.pixels[seen]] = True
    holes = ~drawn.reshape(height, width)
    image = image.reshape(height, width, -1)
    image[holes] = 0
    return image.reshape(texture.shape), holes


def _landmarks_of(image, landmarks):
    if landmarks is not None:
        return np.asarray(landmarks, np.float64)
    from keras_portrait.face.landmarks import landmarks as find_landmarks

    points = find_landmarks(image)
    if points is None:
        raise ValueError("No face found in the picture (pass `landmarks` to skip detection).")
    return points


def rotate_render(image, yaw, pitch=None, landmarks=None, relative=False, mesh=None):
    """Turns the head in a portrait to another yaw (and pitch) and renders it with its texture.

    Args:
        image: the portrait: a path or an array that `as_rgb8` reads.
        yaw: float. Degrees: the yaw to turn to (positive turns the nose to the image's right),
            or the change of yaw with `relative=True`.
        pitch: optional float. The pitch to turn to (or its change); None keeps the fitted one.
        landmarks: optional (468, 3) landmarks of `image`; None detects them (MediaPipe).
        relative: bool. `yaw` and `pitch` are changes of the fitted angles. Defaults to `False`.
        mesh: optional `HeadMesh` already fitted to `image` (skips the fit).

    Returns:
        A `Render`: the image with holes where the turned head shows what the picture does not.
    """
    image = as_rgb8(image)
    if mesh is None:
        mesh = fit_head(_landmarks_of(image, landmarks), *image.shape[:2])
    fitted = euler_angles(mesh.pose.rotation)
    yaw = float(yaw) + (fitted[0] if relative else 0.0)
    if pitch is not None:
        pitch = float(pitch) + (fitted[1] if relative else 0.0)
    rotation = mesh.rotation(yaw, pitch)
    rendered, holes = render_texture(
        image, mesh.pixels(), mesh.pixels(rotation), mesh.scene_triangles, mesh.double_sided,
        tolerance=DEPTH_TOLERANCE * mesh.pose.scale)
    return Render(rendered, holes, *euler_angles(rotation))


@dataclasses.dataclass(frozen=True)
class RotationPair:
    """A self-supervised training pair (Rotate-and-Render): a portrait turned away and back.

    Attributes:
        render: (H, W, 3) uint8. The portrait rendered at another yaw, then rendered back to its
            own pose from that render: it has the artifacts and holes of a turn, and `target`
            is what it should look like.
        holes: (H, W) bool. Holes of `render`: what the turned view did not show.
        target: (H, W, 3) uint8. The portrait itself.
        turned: `Render` at the other yaw (the intermediate view).
    """

    render: np.ndarray
    holes: np.ndarray
    target: np.ndarray
    turned: Render


def rotation_pair(image, yaw, landmarks=None, relative=False, mesh=None):
    """Makes a Rotate-and-Render training pair: turn to `yaw`, render, turn back, render.

    The first render takes its texture from the picture, the second from the first render, so
    whatever the turned view hid is missing (a hole) or smeared in the result, at the picture's
    own pose, where the picture is the ground truth.

    Args:
        image: the portrait: a path or an array that `as_rgb8` reads.
        yaw: float. The yaw of the intermediate view (degrees), or its change with `relative`.
        landmarks: optional (468, 3) landmarks of `image`; None detects them.
        relative: bool. `yaw` is a change of the fitted yaw. Defaults to `False`.
        mesh: optional `HeadMesh` already fitted to `image`.

    Returns:
        A `RotationPair`.
    """
    image = as_rgb8(image)
    if mesh is None:
        mesh = fit_head(_landmarks_of(image, landmarks), *image.shape[:2])
    turned = rotate_render(image, yaw, relative=relative, mesh=mesh)
    rotation = mesh.rotation(turned.yaw, turned.pitch, turned.roll)
    render, holes = render_texture(
        turned.image, mesh.pixels(rotation), mesh.pixels(), mesh.scene_triangles,
        mesh.double_sided, texture_valid=~turned.holes,
        tolerance=DEPTH_TOLERANCE * mesh.pose.scale)
    return RotationPair(render=render, holes=holes, target=image, turned=turned)
