"""The vendored canonical face mesh, its vertex groups and the 68-point subset."""

import numpy as np

from keras_portrait.imaging import canonical_mesh as cm


def test_mesh_arrays_and_known_vertices():
    v = cm.canonical_vertices()
    assert v.shape == (468, 3) and cm.face_triangles().shape == (898, 3)
    assert v[cm.FOREHEAD_TOP, 1] > 8 and v[cm.CHIN, 1] < -9
    assert v[cm.NOSE_TIP, 2] == v[:, 2].max()


def test_openings_are_cut_from_eyes_and_mouth():
    assert len(cm.face_triangles(open_eyes=True, open_mouth=True)) == 898 - 14 - 14 - 18


def test_landmarks_68_are_valid_and_mirror_symmetric():
    idx = np.array(cm.LANDMARKS_68)
    assert idx.shape == (68,) and idx.min() >= 0 and idx.max() < 468
    v = cm.canonical_vertices()
    mirror = cm.mirror_index()
    # iBUG pairs (left-right symmetric points).
    pairs = [(0, 16), (3, 13), (7, 9), (17, 26), (19, 24), (31, 35), (36, 45), (39, 42),
             (48, 54), (50, 52), (58, 56), (60, 64)]
    for a, b in pairs:
        assert mirror[idx[a]] == idx[b], (a, b)
    # Jaw goes from the image's left (negative x) to its right; the chin is in the middle.
    assert (np.diff(v[idx[:17], 0]) > 0).all() and idx[8] == cm.CHIN
    # The right eye (36-41) is on the negative-x side, the left eye on the positive side.
    assert (v[idx[36:42], 0] < 0).all() and (v[idx[42:48], 0] > 0).all()


def test_groups_are_closed_loops_on_the_right_side():
    v = cm.canonical_vertices()
    for right, left in ((cm.RIGHT_EYE, cm.LEFT_EYE), (cm.RIGHT_BROW_UPPER, cm.LEFT_BROW_UPPER)):
        assert (v[list(right), 0] < 0).all() and (v[list(left), 0] > 0).all()
    lips = cm.region_vertices(cm.LIPS_OUTER)
    assert set(cm.LIPS_INNER) <= set(lips.tolist())
    assert len(cm.FACE_OVAL) == 36
