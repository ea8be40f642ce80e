import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from data.image_files import noise, quadrants, write_every_kind, write_exif_rotated
from keras_portrait.data.folder import image_folder, labeled, unpaired

RED, GREEN, BLUE, WHITE, BLACK = (1, -1, -1), (-1, 1, -1), (-1, -1, 1), (1, 1, 1), (-1, -1, -1)


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("kinds"))
    good, convertible, _ = write_every_kind(folder)
    return folder, len(good) + len(convertible)


def _colour_folder(folder, count, size=(24, 20), start=0):
    """`count` PNGs, each one flat colour whose red channel identifies it."""
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        image = np.full((size[1], size[0], 3), (10 * (i + start), 100, 200), np.uint8)
        Image.fromarray(image).save(os.path.join(folder, f"{i:03d}.png"))
    return folder


def _ids(images):
    """The identifying red level of flat-colour images in [-1, 1]."""
    return [int(round((float(np.mean(x[..., 0])) + 1) * 127.5 / 10)) for x in np.asarray(images)]


def _one(folder, name, **kwargs):
    """Decodes a single file through the whole pipeline."""
    os.makedirs(folder, exist_ok=True)
    kwargs = {"image_size": 32, "shuffle": False, "verbose": False, **kwargs}
    return next(iter(image_folder(folder, **kwargs)))[0].numpy()


def test_every_usable_file_yields_exactly_one_image(kinds):
    folder, usable = kinds
    for resize in ("crop", "pad"):
        dataset = image_folder(folder, image_size=24, batch_size=1, resize=resize, verbose=False)
        assert dataset.element_spec == tf.TensorSpec((1, 24, 24, 3), tf.float32)
        images = [x.numpy() for x in dataset]
        assert len(images) == usable
        values = np.concatenate(images)
        assert values.min() >= -1.0 and values.max() <= 1.0


def test_each_image_once_per_epoch_and_seeded_order(tmp_path):
    folder = _colour_folder(str(tmp_path / "c"), 7)
    dataset = image_folder(folder, image_size=8, batch_size=1, seed=3, drop_remainder=False, verbose=False)
    epochs = [_ids(np.concatenate(list(dataset))) for _ in range(3)]
    assert all(sorted(ids) == list(range(7)) for ids in epochs)
    assert len({tuple(ids) for ids in epochs}) > 1  # reshuffled each epoch
    again = image_folder(folder, image_size=8, batch_size=1, seed=3, drop_remainder=False, verbose=False)
    assert _ids(np.concatenate(list(again))) == epochs[0]


def test_batches_and_remainder(tmp_path):
    folder = _colour_folder(str(tmp_path / "c"), 7)
    sizes = [len(b) for b in image_folder(folder, image_size=8, batch_size=3, verbose=False)]
    assert sizes == [3, 3]
    kept = image_folder(folder, image_size=8, batch_size=3, drop_remainder=False, verbose=False)
    assert [len(b) for b in kept] == [3, 3, 1]
    endless = image_folder(folder, image_size=8, batch_size=3, repeat=True, verbose=False)
    assert len(list(endless.take(10))) == 10
    with pytest.raises(ValueError, match="batch_size"):
        image_folder(folder, image_size=8, batch_size=8, verbose=False)


def test_exif_orientation_is_honoured(tmp_path):
    write_exif_rotated(str(tmp_path), "rotated.jpg")
    image = _one(str(tmp_path), "rotated.jpg")  # 40×32 displayed → 32×32 centre crop
    for (row, col), colour in {(4, 4): RED, (4, -5): GREEN, (-5, 4): BLUE, (-5, -5): WHITE}.items():
        np.testing.assert_allclose(image[row, col], colour, atol=0.2)


def test_alpha_is_composited_on_white(tmp_path):
    rgba = Image.fromarray(quadrants())
    alpha = np.full((32, 40), 255, np.uint8)
    alpha[:, :20] = 0
    rgba.putalpha(Image.fromarray(alpha))
    rgba.save(tmp_path / "rgba.png")
    image = _one(str(tmp_path), "rgba.png")
    np.testing.assert_allclose(image[4, 4], WHITE, atol=1e-6)  # transparent red
    np.testing.assert_allclose(image[4, -5], GREEN, atol=1e-6)


@pytest.mark.parametrize("name, make", [
    ("gray16.png", lambda g: Image.fromarray(g.astype(np.uint16) * 257)),
    ("palette.png", lambda g: Image.fromarray(g).convert("P")),
    ("bilevel.bmp", lambda g: Image.fromarray(np.where(g > 127, 255, 0).astype(np.uint8)).convert("1")),
])
def test_converted_gray_levels_are_kept(tmp_path, name, make):
    gray = np.tile(np.array([0, 255], np.uint8).repeat(16), (32, 1))
    make(gray).save(tmp_path / name)
    image = _one(str(tmp_path), name, resize="pad")
    np.testing.assert_allclose(image[16, 2], BLACK, atol=1e-6)
    np.testing.assert_allclose(image[16, -3], WHITE, atol=1e-6)


def test_cmyk_jpeg_colours(tmp_path):
    Image.fromarray(quadrants()).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    image = _one(str(tmp_path), "cmyk.jpg")
    np.testing.assert_allclose(image[4, 4], RED, atol=0.2)
    np.testing.assert_allclose(image[-5, 4], BLUE, atol=0.2)


def test_pad_modes(tmp_path):
    Image.fromarray(noise(0, 20, 40)).save(tmp_path / "wide.png")  # 40 wide, 20 high
    constant = _one(str(tmp_path), "wide.png", image_size=40, resize="pad", pad_mode="constant")
    assert constant.shape == (40, 40, 3)
    np.testing.assert_array_equal(constant[:10], -1.0)
    np.testing.assert_array_equal(constant[30:], -1.0)
    reflect = _one(str(tmp_path), "wide.png", image_size=40, resize="pad", pad_mode="reflect")
    np.testing.assert_array_equal(reflect[10:30], constant[10:30])
    np.testing.assert_array_equal(reflect[9], reflect[11])  # mirrored around the first row
    np.testing.assert_array_equal(reflect[30], reflect[28])
    # Padding wider than the image itself repeats the mirror instead of failing.
    Image.fromarray(noise(1, 4, 200)).save(tmp_path / "strip.png")
    strip = image_folder(str(tmp_path), image_size=50, resize="pad", shuffle=False, min_side=1,
                         batch_size=2, verbose=False)
    assert next(iter(strip)).shape == (2, 50, 50, 3)


def test_crop_keeps_the_centre(tmp_path):
    image = np.zeros((20, 60, 3), np.uint8)
    image[:, 20:40] = 255
    Image.fromarray(image).save(tmp_path / "wide.png")
    out = _one(str(tmp_path), "wide.png", image_size=20)
    np.testing.assert_allclose(out, 1.0, atol=1e-6)


def test_augment_changes_images_keeps_shape_and_is_seeded(tmp_path):
    folder = str(tmp_path)
    for i in range(4):
        Image.fromarray(noise(i, 48, 48)).save(tmp_path / f"{i}.png")
    options = dict(image_size=32, batch_size=4, shuffle=False, verbose=False)
    plain = next(iter(image_folder(folder, **options))).numpy()
    first = [b.numpy() for b in image_folder(folder, augment=True, seed=5, **options).repeat(2)]
    second = [b.numpy() for b in image_folder(folder, augment=True, seed=5, **options).repeat(2)]
    other = next(iter(image_folder(folder, augment=True, seed=6, **options))).numpy()
    assert first[0].shape == plain.shape
    assert not np.allclose(first[0], plain)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])  # new augmentation each epoch
    assert not np.array_equal(first[0], other)
    assert first[0].min() >= -1 and first[0].max() <= 1


@pytest.mark.parametrize("cache", [True, "disk"])
def test_cache_gives_the_same_images(tmp_path, cache):
    folder = _colour_folder(str(tmp_path / "c"), 6)
    cache = cache if cache is True else str(tmp_path / "cache" / "images")
    dataset = image_folder(folder, image_size=8, cache=cache, seed=1, verbose=False)
    epochs = [sorted(_ids(np.concatenate(list(dataset)))) for _ in range(2)]
    assert epochs == [list(range(6))] * 2
    if cache is not True:
        assert any(name.startswith("images") for name in os.listdir(os.path.dirname(cache)))


def test_empty_folder_error_names_it(tmp_path):
    (tmp_path / "nothing_here").mkdir()
    with pytest.raises(ValueError, match="nothing_here"):
        image_folder(str(tmp_path / "nothing_here"), verbose=False)


def test_bad_arguments(tmp_path):
    folder = _colour_folder(str(tmp_path / "c"), 2)
    for kwargs, name in [({"resize": "stretch"}, "resize"), ({"pad_mode": "edge"}, "pad_mode"),
                         ({"crop_scale": (0.5, 1.5)}, "crop_scale"), ({"image_size": 0}, "image_size")]:
        with pytest.raises(ValueError, match=name):
            image_folder(folder, verbose=False, **kwargs)


def test_unpaired_runs_an_epoch_of_the_larger_domain(tmp_path):
    folder_a = _colour_folder(str(tmp_path / "a"), 3)
    folder_b = _colour_folder(str(tmp_path / "b"), 5, start=10)
    dataset = unpaired(folder_a, folder_b, image_size=8, batch_size=1, seed=0, verbose=False)
    assert dataset.element_spec == (tf.TensorSpec((1, 8, 8, 3), tf.float32),) * 2
    pairs = list(dataset)
    assert len(pairs) == 5
    ids_a = _ids(np.concatenate([a for a, _ in pairs]))
    ids_b = _ids(np.concatenate([b for _, b in pairs]))
    assert sorted(ids_b) == list(range(10, 15))
    assert set(ids_a) == {0, 1, 2} and sorted(ids_a[:3]) == [0, 1, 2]
    assert len(dataset.scan_reports) == 2


def test_labeled_class_folders(tmp_path):
    for class_index, name in enumerate(["smile", "neutral"]):
        _colour_folder(str(tmp_path / name), 2 + class_index, start=10 * class_index)
    Image.fromarray(noise(0)).save(tmp_path / "stray.png")
    dataset = labeled(str(tmp_path), image_size=8, batch_size=1, drop_remainder=False, verbose=False)
    assert dataset.class_names == ["neutral", "smile"]
    assert dataset.element_spec == (tf.TensorSpec((None, 8, 8, 3), tf.float32),
                                    tf.TensorSpec((None,), tf.int32))
    pairs = [(_ids(x)[0], int(y[0])) for x, y in dataset]
    assert sorted(pairs) == [(0, 1), (1, 1), (10, 0), (11, 0), (12, 0)]
    assert dataset.scan_report.counts["outside class folders"] == 1


def test_labeled_csv_reports_bad_rows_and_missing_files(tmp_path):
    _colour_folder(str(tmp_path / "img"), 3)
    (tmp_path / "img" / "broken.png").write_bytes(b"")
    (tmp_path / "labels.csv").write_text(
        "file,smile,age\nimg/000.png,1,20\nimg/001.png,0,35.5\nimg/002.png,x,1\n"
        "img/missing.png,1,1\nimg/broken.png,0,1\n"
    )
    dataset = labeled(str(tmp_path / "labels.csv"), image_size=8, attributes=["age", "smile"],
                      shuffle=False, verbose=False)
    assert dataset.attribute_names == ["age", "smile"]
    assert dataset.element_spec[1] == tf.TensorSpec((1, 2), tf.float32)
    labels = [y.numpy()[0].tolist() for _, y in dataset]
    assert labels == [[20.0, 1.0], [35.5, 0.0]]
    assert dataset.scan_report.counts == {"bad label row": 1, "empty file": 1, "missing file": 1, "ok": 2}


def test_labeled_celeba_attributes_file(tmp_path):
    _colour_folder(str(tmp_path / "img_align_celeba"), 2)
    (tmp_path / "list_attr_celeba.txt").write_text(
        "2\nBlack_Hair Eyeglasses Smiling \n000.png -1  1 1\n001.png  1 -1 -1\n"
    )
    dataset = labeled(str(tmp_path / "list_attr_celeba.txt"), image_size=8, shuffle=False,
                      images_dir=str(tmp_path / "img_align_celeba"), attributes=["Smiling", "Black_Hair"],
                      verbose=False)
    assert dataset.attribute_names == ["Smiling", "Black_Hair"]
    assert [y.numpy()[0].tolist() for _, y in dataset] == [[1.0, 0.0], [0.0, 1.0]]
