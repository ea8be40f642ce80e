"""A TFDS builder for SynthPortraits, so that `tfds.load("synth_portraits")` works offline.

Importing this module (which `import keras_portrait` does) registers the builder. Nothing is
downloaded: `download_and_prepare` renders the examples and writes them as TFRecords under
`data_dir` (default ~/tensorflow_datasets).

    import keras_portrait, tensorflow_datasets as tfds
    ds = tfds.load("synth_portraits/size64", split="train", data_dir="/tmp/tfds")
"""

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from keras_portrait.data.synth import HAIR_COLORS, SynthPortraits
from keras_portrait.data.synth.styles import STYLES
from keras_portrait.imaging.metadata import metadata_vector
from keras_portrait.labels import EXPRESSIONS

# The test split is drawn from indices far from the train split's, so no sample repeats.
_TEST_OFFSET = 10_000_000


@dataclasses.dataclass
class SynthPortraitsConfig(tfds.core.BuilderConfig):
    """One rendering of SynthPortraits: image size, split sizes, styles, yaw range and seed."""

    image_size: int = 64
    num_train: int = 2000
    num_test: int = 200
    seed: int = 0
    style: str | None = None
    yaw_range: tuple = (-45.0, 45.0)


class SynthPortraitsBuilder(tfds.core.GeneratorBasedBuilder):
    """SynthPortraits: procedurally rendered, fully labelled portraits (keras_portrait)."""

    name = "synth_portraits"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "First release."}
    BUILDER_CONFIGS = [
        SynthPortraitsConfig(name="size64", description="64x64, all styles", image_size=64),
        SynthPortraitsConfig(name="size128", description="128x128, all styles", image_size=128),
        SynthPortraitsConfig(
            name="size256", description="256x256, all styles", image_size=256, num_train=1000
        ),
    ]

    def _info(self):
        size = self.builder_config.image_size
        return self.dataset_info_from_configs(
            description=(
                "Procedurally rendered portraits with exact labels: 7-class face mask, "
                "468 landmarks, head pose, expression, attributes, identity and style. "
                "Rendered locally by keras_portrait; nothing is downloaded."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 3)),
                    "mask": tfds.features.Tensor(
                        shape=(size, size), dtype=np.int32, encoding="zlib"
                    ),
                    "landmarks_2d": tfds.features.Tensor(shape=(468, 2), dtype=np.float32),
                    "landmarks_68": tfds.features.Tensor(shape=(68, 2), dtype=np.float32),
                    "pose": tfds.features.Tensor(shape=(3,), dtype=np.float32),
                    "expression": tfds.features.ClassLabel(names=list(EXPRESSIONS)),
                    "intensity": tfds.features.Scalar(dtype=np.float32),
                    "identity": tfds.features.Scalar(dtype=np.int64),
                    "style": tfds.features.ClassLabel(names=list(STYLES)),
                    "hair_color": tfds.features.ClassLabel(names=list(HAIR_COLORS)),
                    "age": tfds.features.Scalar(dtype=np.float32),
                    "gender": tfds.features.Scalar(dtype=np.float32),
                    "glasses": tfds.features.Scalar(dtype=np.bool_),
                    "metadata": tfds.features.Tensor(shape=(3,), dtype=np.float32),
                }
            ),
            supervised_keys=("image", "expression"),
            homepage="https://github.com/keras-portrait/keras_portrait",
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download
        config = self.builder_config
        return {
            "train": self._generate_examples(0, config.num_train),
            "test": self._generate_examples(_TEST_OFFSET, config.num_test),
        }

    def _generate_examples(self, start, count):
        config = self.builder_config
        portraits = SynthPortraits(seed=config.seed)
        for index in range(start, start + count):
            s = portraits.sample(
                index, size=config.image_size, style=config.style, yaw_range=config.yaw_range
            )
            attributes = s["attributes"]
            yield index, {
                "image": s["image"],
                "mask": s["mask"].astype(np.int32),
                "landmarks_2d": s["landmarks_2d"].astype(np.float32),
                "landmarks_68": s["landmarks_68"].astype(np.float32),
                "pose": np.asarray(s["pose"], np.float32),
                "expression": int(s["expression"]),
                "intensity": float(s["intensity"]),
                "identity": int(s["identity"]),
                "style": s["style"],
                "hair_color": attributes["hair_color"],
                "age": float(attributes["age"]),
                "gender": float(attributes["gender"]),
                "glasses": bool(attributes["glasses"]),
                "metadata": metadata_vector(attributes),
            }
