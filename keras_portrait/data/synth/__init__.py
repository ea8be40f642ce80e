"""SynthPortraits: the embedded, procedural and fully labelled portrait dataset."""

from keras_portrait.data.synth.background import BACKGROUNDS
from keras_portrait.data.synth.contact_sheet import contact_sheet
from keras_portrait.data.synth.sitters import AGE_RANGE, EYE_COLORS, HAIR_COLORS, HAIR_STYLES
from keras_portrait.data.synth.renderer import SynthPortraits

__all__ = ["SynthPortraits", "contact_sheet", "HAIR_COLORS", "HAIR_STYLES", "EYE_COLORS",
           "AGE_RANGE", "BACKGROUNDS"]
