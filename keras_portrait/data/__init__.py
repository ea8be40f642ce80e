"""Data: folders of images, label files and SynthPortraits as `tf.data` pipelines."""

from keras_portrait.data.folder import image_folder
from keras_portrait.data.image_files import named_image_files
from keras_portrait.data.image_files import read_image_files
from keras_portrait.data.folder import labeled
from keras_portrait.data.folder import unpaired
from keras_portrait.data.scan import scan_folder
from keras_portrait.data.scan_report import ScanReport
from keras_portrait.data.splits import SPLIT_NAMES
from keras_portrait.data.splits import read_split
from keras_portrait.data.splits import split_crops
from keras_portrait.data.splits import split_files
from keras_portrait.data.splits import write_split
from keras_portrait.data.synth import HAIR_COLORS
from keras_portrait.data.synth import HAIR_STYLES
from keras_portrait.data.synth import SynthPortraits
from keras_portrait.data.synth.contact_sheet import contact_sheet
from keras_portrait.data.synth.framing import FRAMINGS
from keras_portrait.data.synth.styles import STYLES
from keras_portrait.data.mask_folder import mask_folder
from keras_portrait.imaging.metadata import METADATA_NAMES
from keras_portrait.data.synth_dataset import synth_portraits
from keras_portrait.data.synth_dataset import render_controls
from keras_portrait.data.synth_dataset import synth_style_pairs
from keras_portrait.data.synth_folder import write_synth_folder
from keras_portrait.data import synth_tfds  # noqa: F401  (registers the TFDS builder)
