import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_portrait.models.stargan import STARGAN_ATTRIBUTES
from keras_portrait.data import SynthPortraits
from keras_portrait.data import synth_portraits
from keras_portrait.data import render_controls
from keras_portrait.data import synth_style_pairs
from keras_portrait.data.synth.framing import frame
from keras_portrait.imaging.metadata import metadata_vector
from keras_portrait.models.stargan.stargan_attributes import stargan_attribute_vector
from keras_portrait.data.synth_tfds import SynthPortraitsBuilder
from keras_portrait.data.synth_tfds import SynthPortraitsConfig
from keras_portrait.labels import EXPRESSIONS
from keras_portrait.labels import MASK_CLASSES

SIZE = 32


def _first(family, **kwargs):
    dataset = synth_portraits(
        family, image_size=SIZE, batch_size=2, num_examples=4, shuffle=False, **kwargs
    )
    return next(iter(dataset))


def _assert_images(images):
    assert images.dtype == tf.float32 and images.shape == (2, SIZE, SIZE, 3)
    assert -1.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0
    assert float(tf.math.reduce_std(images)) > 0.05  # a rendered picture, not a blank


@pytest.mark.parametrize("family", ["dcgan", "wgan-gp"])
def test_unconditional_families_yield_image_batches(family):
    _assert_images(_first(family))


def test_cyclegan_yields_unpaired_photo_and_painting():
    images_a, images_b = _first("cyclegan")
    _assert_images(images_a)
    _assert_images(images_b)
    # Unpaired: domain B is not domain A restyled (other identities / poses).
    portraits = SynthPortraits(seed=0)
    photo = portraits.sample(0, size=SIZE, style="photo", yaw_range=(-30, 30))["image"]
    np.testing.assert_array_equal(np.round((images_a[0].numpy() + 1) * 127.5), photo)
    assert not np.array_equal(images_a[0].numpy(), images_b[0].numpy())


def test_stargan_yields_expression_ids_or_attribute_vectors():
    images, labels = _first("stargan")
    _assert_images(images)
    assert labels.dtype == tf.int32 and labels.shape == (2,)
    assert all(0 <= int(v) < len(EXPRESSIONS) for v in labels)
    sample = SynthPortraits(seed=0).sample(0, size=SIZE, style="photo", yaw_range=(-30, 30))
    assert int(labels[0]) == sample["expression"]

    images, attributes = _first("stargan", labels="attributes")
    assert attributes.shape == (2, len(STARGAN_ATTRIBUTES)) and attributes.dtype == tf.float32
    np.testing.assert_array_equal(attributes[0], stargan_attribute_vector(sample["attributes"]))


def test_face_framing_yields_the_same_elements_cut_to_the_face():
    portraits, faces = _first("stargan"), _first("stargan", framing="face")
    _assert_images(faces[0])
    np.testing.assert_array_equal(faces[1], portraits[1])  # the same sitters and labels
    sample = SynthPortraits(seed=0).sample(0, size=2 * SIZE, style="photo", yaw_range=(-30, 30))
    expected = frame(sample, SIZE, "face")[0].astype(np.float32) / 127.5 - 1.0
    np.testing.assert_allclose(faces[0][0], expected, atol=1e-6)
    for family in ("dcgan", "cyclegan"):
        batch = _first(family, framing="face")
        images = batch[0] if family == "cyclegan" else batch  # cyclegan: (domain A, domain B)
        _assert_images(images)
        np.testing.assert_allclose(images[0], expected, atol=1e-6)  # element 0: sample(0)
    # Style pairs: both renders cut with the photo's square.
    photos, paintings = synth_style_pairs(2, image_size=SIZE, framing="face")
    np.testing.assert_allclose(photos[0], expected, atol=1e-6)
    painting = SynthPortraits(seed=0).render(
        **{**render_controls(sample, yaw=float(sample["pose"][0]), size=2 * SIZE),
           "style": "painting"})
    matrix = frame(sample, SIZE, "face")[2]
    np.testing.assert_allclose(
        paintings[0], frame(painting, SIZE, "face", matrix)[0] / 127.5 - 1.0, atol=1e-6)
    for family in ("gaugan", "rotation"):
        with pytest.raises(ValueError, match="framing='face' is for the families"):
            synth_portraits(family, framing="face")
    with pytest.raises(ValueError, match="framing"):
        synth_portraits("stargan", framing="head")


def test_stargan_attribute_vector_reads_the_labels():
    vector = stargan_attribute_vector({"hair_color": "blonde", "gender": 0.8, "age": 30.0})
    np.testing.assert_array_equal(vector, [0, 1, 0, 1, 1])
    vector = stargan_attribute_vector({"hair_color": "red", "gender": 0.2, "age": 60.0})
    np.testing.assert_array_equal(vector, [0, 0, 0, 0, 0])


def test_gaugan_yields_image_mask_metadata():
    element = _first("gaugan")
    assert set(element) == {"image", "mask", "metadata"}
    _assert_images(element["image"])
    mask = element["mask"].numpy()
    assert mask.dtype == np.int32 and mask.shape == (2, SIZE, SIZE)
    assert mask.min() >= 0 and mask.max() < len(MASK_CLASSES)
    assert len(np.unique(mask[0])) >= 4  # background, skin, hair and at least one face part
    metadata = element["metadata"].numpy()
    assert metadata.shape == (2, 3) and metadata.min() >= 0 and metadata.max() <= 1


def test_metadata_vector_scales_age():
    np.testing.assert_allclose(
        metadata_vector({"age": 49.0, "gender": 0.25, "glasses": True}), [0.5, 0.25, 1.0]
    )


def test_rotation_pairs_are_the_same_portrait_at_two_yaws():
    element = _first("rotation", style="photo")
    assert set(element) == {"source", "target", "source_pose", "target_pose"}
    _assert_images(element["source"])
    _assert_images(element["target"])
    source_pose, target_pose = element["source_pose"].numpy(), element["target_pose"].numpy()
    assert source_pose.shape == (2, 3)
    np.testing.assert_allclose(source_pose[:, 1:], target_pose[:, 1:])  # pitch, roll kept
    assert np.all(np.abs(source_pose[:, 0] - target_pose[:, 0]) > 1e-3)


def test_same_arguments_same_elements():
    first = _first("dcgan", seed=5)
    second = _first("dcgan", seed=5)
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    assert not np.array_equal(first.numpy(), _first("dcgan", seed=6).numpy())


def test_epoch_has_num_examples_and_cache_keeps_them():
    dataset = synth_portraits("dcgan", image_size=SIZE, batch_size=None, num_examples=5,
                              cache=True, seed=1)
    first = sorted(float(tf.reduce_sum(x)) for x in dataset)
    second = sorted(float(tf.reduce_sum(x)) for x in dataset)
    assert len(first) == 5 and first == second


def test_argument_errors():
    with pytest.raises(ValueError, match="family"):
        synth_portraits("pix2pix")
    with pytest.raises(ValueError, match="labels"):
        synth_portraits("stargan", labels="hair")
    with pytest.raises(ValueError, match="num_examples"):
        synth_portraits(num_examples=0)


def test_tfds_builder_prepares_and_loads_offline(tmp_path):
    config = SynthPortraitsConfig(name="tiny", image_size=SIZE, num_train=3, num_test=2)
    builder = SynthPortraitsBuilder(config=config, data_dir=str(tmp_path))
    builder.download_and_prepare()
    assert builder.info.splits["train"].num_examples == 3
    examples = list(tfds.as_numpy(builder.as_dataset(split="test")))
    assert len(examples) == 2
    example = examples[0]
    assert example["image"].shape == (SIZE, SIZE, 3) and example["mask"].shape == (SIZE, SIZE)
    assert example["landmarks_2d"].shape == (468, 2)
    sample = SynthPortraits(seed=0).sample(10_000_000, size=SIZE, style=None)
    names = {int(e["identity"]) for e in examples}
    assert int(sample["identity"]) in names



def test_tfds_load_finds_the_registered_builder(tmp_path):
    assert "synth_portraits" in tfds.list_builders()
    config = SynthPortraitsConfig(name="tiny", image_size=SIZE, num_train=2, num_test=1)
    dataset = tfds.load(
        "synth_portraits",
        split="train",
        data_dir=str(tmp_path),
        builder_kwargs={"config": config},
        as_supervised=True,
    )
    images, expressions = zip(*tfds.as_numpy(dataset))
    assert len(images) == 2 and images[0].shape == (SIZE, SIZE, 3)
    assert all(0 <= e < len(EXPRESSIONS) for e in expressions)


def test_style_pairs_are_one_portrait_in_two_styles():
    photos, paintings = synth_style_pairs(3, image_size=32, seed=4)
    assert photos.shape == paintings.shape == (3, 32, 32, 3) and photos.dtype == np.float32
    assert -1 <= photos.min() and photos.max() <= 1
    # Domain A of the pairs is the unshuffled domain A of synth_portraits with the same seed.
    dataset = synth_portraits("cyclegan", 32, batch_size=3, num_examples=3, seed=4,
                              shuffle=False)
    np.testing.assert_array_equal(next(iter(dataset))[0].numpy(), photos)
    # The painting is the same render in the other style: swapping the styles swaps the arrays.
    again_paintings, again_photos = synth_style_pairs(3, 32, 4, "painting", "photo")
    np.testing.assert_array_equal(again_photos, photos)
    np.testing.assert_array_equal(again_paintings, paintings)
    assert np.abs(photos - paintings).mean() > 0.02
    with pytest.raises(ValueError, match="count"):
        synth_style_pairs(0)
