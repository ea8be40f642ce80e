"""Rewrites the golden SynthPortraits PNGs used by tests/data/test_synth.py.

Run only after changing the renderer on purpose, look at the new images, then commit them:
    python tests/data/golden/regenerate.py
"""

import os
import sys

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from test_synth import GOLDEN, GOLDEN_DIR  # noqa: E402

from keras_portrait.data.synth import SynthPortraits  # noqa: E402

if __name__ == "__main__":
    renderer = SynthPortraits(seed=0)
    for name, kwargs in GOLDEN:
        path = os.path.join(GOLDEN_DIR, name)
        Image.fromarray(renderer.render(**kwargs)["image"]).save(path, optimize=True)
        print("wrote", path)
