"""Writes docs/synth_portraits_sheet.png, the SynthPortraits contact sheet.

    python docs/make_synth_sheet.py
"""

import os

from PIL import Image

from keras_portrait.data.synth.contact_sheet import contact_sheet

if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "synth_portraits_sheet.png")
    Image.fromarray(contact_sheet(size=128)).save(path, optimize=True)
    print("wrote", path)
