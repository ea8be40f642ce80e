"""The fitted head mesh: geometry of a turn, texture lookup, hole masks and Rotate-and-Render
pairs, on exact synthetic landmarks and on SynthPortraits (which knows the true turned view)."""

import functools

import numpy as np
import pytest
from scipy import ndimage

from keras_portrait.data import SynthPortraits
from keras_portrait.data import render_controls
from keras_portrait.imaging import canonical_mesh as cm
from keras_portrait.face import mesh as head_mesh
from keras_portrait.face.pose import rotation_matrix
from keras_portrait.imaging.raster import rasterize

SIZE = 128
SCALE = 5.0
CENTER = np.array([64.0, 60.0, 0.0])
FLIP_Y = np.array([1.0, -1.0, 1.0])


def _landmarks(yaw, pitch=0.0, roll=0.0):
    """The canonical mesh under a known pose, in pixels of a SIZE² picture."""
    rotation = rotation_matrix(yaw, pitch, roll)
    return CENTER + SCALE * (cm.canonical_vertices() @ rotation.T) * FLIP_Y


def _coordinate_picture():
    """A picture whose colour encodes its own pixel position: red = 2 x, green = 2 y."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    return np.stack([2 * cols, 2 * rows, np.full_like(rows, 128)], -1).astype(np.uint8)


def _expected_pixels(yaw_from, yaw_to, vertices):
    """Where canonical vertices land when a head at `yaw_from` turns to `yaw_to` about the neck
    pivot, written out from the head model's definition."""
    pivot = head_mesh.HEAD_PIVOT
    turned = (rotation_matrix(yaw_from, 0, 0) @ pivot
              + (cm.canonical_vertices()[vertices] - pivot) @ rotation_matrix(yaw_to, 0, 0).T)
    return CENTER + SCALE * turned * FLIP_Y


@functools.lru_cache(maxsize=None)
def _synth(index, style="photo"):
    data = SynthPortraits(seed=0)
    return data, data.sample(index, size=SIZE, style=style, yaw_range=(-5.0, 5.0))


def test_fit_gives_the_landmarks_back_and_no_turn_gives_the_picture_back():
    points = _landmarks(-10.0)
    mesh = head_mesh.fit_head(points, SIZE, SIZE)
    np.testing.assert_allclose(mesh.pixels()[:468], points, atol=1e-6)
    picture = _coordinate_picture()
    render = head_mesh.rotate_render(picture, -10.0, mesh=mesh)
    assert render.holes.mean() < 0.01
    diff = np.abs(render.image.astype(int) - picture)[~render.holes]
    assert diff.max() <= 1


def test_turned_vertices_show_their_own_texture_where_the_model_puts_them():
    mesh = head_mesh.fit_head(_landmarks(-10.0), SIZE, SIZE)
    render = head_mesh.rotate_render(_coordinate_picture(), 30.0, mesh=mesh)
    # Nose tip, between the eyes, chin, mid-forehead: seen from both yaws, away from silhouettes.
    vertices = [cm.NOSE_TIP, 168, cm.CHIN, 151]
    source = _expected_pixels(-10.0, -10.0, vertices)
    target = _expected_pixels(-10.0, 30.0, vertices)
    moved = np.linalg.norm(target[:, :2] - source[:, :2], axis=1)
    assert moved.min() > 5.0  # the turn really moves them
    for where, came_from in zip(target, source):
        col, row = (int(v) for v in np.floor(where[:2]))
        assert not render.holes[row, col]
        decoded = render.image[row, col, :2] / 2.0 + 0.5  # the source pixel centre it shows
        np.testing.assert_allclose(decoded, came_from[:2], atol=1.5)


def test_the_side_that_turns_into_view_is_a_hole():
    """From yaw -40 the subject's right temple (vertex 234, facing -x) is out of sight; at +30
    it faces the viewer: it has no texture. The nose tip, seen from both, keeps its own."""
    mesh = head_mesh.fit_head(_landmarks(-40.0), SIZE, SIZE)
    render = head_mesh.rotate_render(_coordinate_picture(), 30.0, mesh=mesh)
    cheek = (cm.canonical_vertices()[234] * 0.8 + cm.canonical_vertices()[cm.NOSE_TIP] * 0.2)
    pivot = head_mesh.HEAD_PIVOT
    turned = rotation_matrix(-40, 0, 0) @ pivot + rotation_matrix(30, 0, 0) @ (cheek - pivot)
    col, row = (int(v) for v in np.floor(CENTER[:2] + SCALE * turned[:2] * FLIP_Y[:2]))
    assert render.holes[row - 1:row + 2, col - 1:col + 2].all()
    nose, nose_before = _expected_pixels(-40.0, 30.0, [cm.NOSE_TIP])[0], _landmarks(-40.0)[4]
    assert not render.holes[int(nose[1]), int(nose[0])]
    np.testing.assert_allclose(render.image[int(nose[1]), int(nose[0]), :2] / 2.0 + 0.5,
                               nose_before[:2], atol=1.5)
    assert (render.image[render.holes] == 0).all()
    assert 0.02 < render.holes.mean() < 0.3


@pytest.mark.parametrize("yaw", [-90.0, -45.0, 0.0, 45.0, 90.0])
def test_the_head_is_closed_at_any_yaw(yaw):
    """Face and shell meet without cracks: the head alone leaves no hole inside its outline."""
    mesh = head_mesh.fit_head(_landmarks(0.0), SIZE, SIZE)
    vertices = mesh.pixels(mesh.rotation(yaw))
    covered = rasterize(vertices, mesh.triangles, SIZE, SIZE).covered
    assert covered.sum() > 1000
    assert (ndimage.binary_fill_holes(covered) == covered).all()


def test_turned_mesh_lands_on_the_true_render_of_synth_portraits():
    """SynthPortraits turns its heads about the same pivot: the fitted mesh turned to 30° lies
    on the true landmarks of the same sitter rendered at 30° (measured: 0.08–0.44 px, 128²)."""
    for index in range(3):
        data, sample = _synth(index)
        mesh = head_mesh.fit_head(sample["landmarks_3d"], SIZE, SIZE)
        truth = data.render(**render_controls(sample, yaw=30.0, size=SIZE))
        seen = truth["visible"]
        predicted = mesh.pixels(mesh.rotation(30.0))[:468, :2]
        error = np.linalg.norm(predicted - truth["landmarks_2d"], axis=1)[seen].mean()
        unturned = np.linalg.norm(sample["landmarks_2d"] - truth["landmarks_2d"], axis=1)
        assert error < 0.8 and unturned[seen].mean() > 10.0, (error, unturned[seen].mean())


def test_rotation_pair_turns_away_and_back():
    _, sample = _synth(1, "painting")
    image = sample["image"]
    mesh = head_mesh.fit_head(sample["landmarks_3d"], SIZE, SIZE)
    still = head_mesh.rotation_pair(image, 0.0, relative=True, mesh=mesh)
    assert still.holes.mean() < 0.01
    pair = head_mesh.rotation_pair(image, 45.0, relative=True, mesh=mesh)
    assert pair.target is image or np.array_equal(pair.target, image)
    assert pair.turned.yaw == pytest.approx(float(sample["pose"][0]) + 45.0, abs=0.5)
    assert 0.02 < pair.holes.mean() < 0.4
    assert pair.turned.holes.mean() > 0.01
    # Where the turned view saw the surface, two bilinear resamplings keep it close.
    kept = np.abs(pair.render.astype(int) - image)[~pair.holes]
    assert kept.mean() < 4.0, kept.mean()
    # The holes of the turned view come back as holes (nothing is invented).
    assert pair.holes.sum() > still.holes.sum()


def test_bad_landmarks_are_refused():
    with pytest.raises(ValueError, match="with depth"):
        head_mesh.fit_head(np.zeros((68, 2)), SIZE, SIZE)
    with pytest.raises(ValueError, match="shell_rings"):
        head_mesh.fit_head(_landmarks(0.0), SIZE, SIZE, shell_rings=0)


def _hair_beside_the_head(mesh):
    """A hair mask: a band 14 px wide along the head's outline on the picture's left, which
    reaches the picture's edge in rows 50-70, and a stray patch at the bottom right, away from
    the head."""
    covered = rasterize(mesh.pixels(), mesh.triangles, SIZE, SIZE).covered
    columns = np.argmax(covered, axis=1)  # the outline's leftmost column per row
    hair = np.zeros((SIZE, SIZE), bool)
    for row in np.flatnonzero(covered.any(axis=1)):
        hair[row, max(columns[row] - 14, 0):columns[row]] = True
    for row in range(50, 70):
        hair[row, :columns[row]] = True  # the hair goes on beyond the edge
    hair[110:124, 110:124] = True  # stray: touches nothing of the head
    return hair


def test_the_hair_sheet_turns_hair_beyond_the_outline_with_the_head():
    bare = head_mesh.fit_head(_landmarks(0.0), SIZE, SIZE)
    hair = _hair_beside_the_head(bare)
    mesh = head_mesh.fit_head(_landmarks(0.0), SIZE, SIZE, hair=hair)
    n = bare.num_head_vertices
    assert len(mesh.sheet_triangles) > 50 and len(mesh.sheet_follow) == mesh.num_head_vertices - n
    np.testing.assert_array_equal(mesh.vertices[:n], bare.vertices)
    # The sheet lies where the hair is, not on the stray patch, in the skull's middle plane.
    sheet = mesh.pixels()[n:mesh.num_head_vertices]
    assert sheet[:, 0].max() < SIZE / 2  # the stray patch (x ≥ 110) has none
    np.testing.assert_allclose(mesh.vertices[n:, 2], head_mesh.HEAD_CENTER[2])
    # Untouched, the picture renders back as it was.
    picture = _coordinate_picture()
    render = head_mesh.rotate_render(picture, 0.0, mesh=mesh)
    assert render.holes.mean() < 0.01
    assert np.abs(render.image.astype(int) - picture)[~render.holes].max() <= 1
    # Turned, the sheet next to the outline moves as the head does; at the picture's edge it
    # stays; what it covered of the background is a hole, not hair left behind.
    turned = mesh.pixels(mesh.rotation(30.0))[n:mesh.num_head_vertices]
    follow = mesh.sheet_follow
    edge = sheet[:, 0] <= 0.5
    assert edge.any() and np.allclose(turned[edge], sheet[edge])
    near = follow > 0.95
    assert near.any()
    rigid = CENTER + SCALE * (rotation_matrix(0, 0, 0) @ head_mesh.HEAD_PIVOT + (
        mesh.vertices[n:] - head_mesh.HEAD_PIVOT) @ rotation_matrix(30, 0, 0).T) * FLIP_Y
    np.testing.assert_allclose(turned, follow[:, None] * rigid + (1 - follow[:, None]) * sheet,
                               atol=1e-6)
    assert (turned[near, 0] - sheet[near, 0]).mean() > 2.0  # it really moved
    moved = head_mesh.rotate_render(picture, 30.0, mesh=mesh)
    plain = head_mesh.rotate_render(picture, 30.0, mesh=bare)
    assert moved.holes[hair].sum() > plain.holes[hair].sum()


def test_a_hair_mask_of_another_size_is_refused_and_no_hair_gives_no_sheet():
    with pytest.raises(ValueError, match="hair"):
        head_mesh.fit_head(_landmarks(0.0), SIZE, SIZE, hair=np.zeros((64, 64), bool))
    mesh = head_mesh.fit_head(_landmarks(0.0), SIZE, SIZE, hair=np.zeros((SIZE, SIZE), bool))
    assert len(mesh.sheet_triangles) == 0 and len(mesh.sheet_follow) == 0
    assert mesh.num_head_vertices == head_mesh.fit_head(_landmarks(0.0), SIZE,
                                                        SIZE).num_head_vertices
