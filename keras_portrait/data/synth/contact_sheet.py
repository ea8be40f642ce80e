"""A captioned grid of SynthPortraits that shows every control at a glance."""

import cv2
import numpy as np

from keras_portrait import labels
from keras_portrait.data.synth import sitters as idt
from keras_portrait.data.synth import styles
from keras_portrait.data.synth.renderer import SynthPortraits

_CAPTION_BG = (24, 24, 24)
_CAPTION_FG = (235, 235, 235)


def _caption(tile, text):
    size = tile.shape[1]
    bar = max(12, size // 7)
    out = np.empty((size + bar, size, 3), np.uint8)
    out[:size] = tile
    out[size:] = _CAPTION_BG
    scale = bar / 32.0
    width = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0]
    if width > size - 4:
        scale *= (size - 4) / width
    cv2.putText(out, text, (2, size + int(bar * 0.72)), cv2.FONT_HERSHEY_SIMPLEX, scale,
                _CAPTION_FG, 1, cv2.LINE_AA)
    return out


def _identity_per_hair_style(seed, search=500):
    """The first identity wearing each hair style (styles not found in `search` are skipped)."""
    found = {}
    for identity in range(search):
        found.setdefault(idt.resolve(seed, identity)["hair_style"], identity)
    return [(style, found[style]) for style in idt.HAIR_STYLES if style in found]


def _tilt_caption(pitch, roll):
    """Short enough to be read under a 64-pixel tile: the angle that is not 0, or both."""
    if pitch and roll:
        return f"p{pitch:+d} r{roll:+d}"
    return f"roll {roll:+d}" if roll else f"pitch {pitch:+d}"


def _rows(identities, poses_identity, attribute_identity, seed):
    rows = []
    for identity in identities:
        rows.append([(dict(identity=identity, expression=e), e) for e in labels.EXPRESSIONS])
    rows.append([(dict(identity=poses_identity, yaw=y), f"yaw {y:+d}")
                 for y in (-90, -60, -30, 0, 30, 60, 90)])
    rows.append([(dict(identity=poses_identity, pitch=p, roll=r), _tilt_caption(p, r))
                 for p, r in ((-25, 0), (-12, 0), (12, 0), (25, 0), (0, -20), (0, 20),
                              (15, 15))])
    rows.append([(dict(identity=attribute_identity, style=s, yaw=15), s) for s in styles.STYLES])
    a = attribute_identity
    rows.append([(dict(identity=a, glasses=False), "no glasses"),
                 (dict(identity=a, glasses=True), "glasses"),
                 (dict(identity=a, age=20.0), "age 20"), (dict(identity=a, age=50.0), "age 50"),
                 (dict(identity=a, age=78.0), "age 78"),
                 (dict(identity=a, gender=0.0), "gender 0"), (dict(identity=a, gender=1.0),
                                                             "gender 1")])
    rows.append([(dict(identity=a, hair_color=c), c) for c in
                 ("black", "brown", "auburn", "red", "blonde", "platinum", "grey")])
    rows.append([(dict(identity=i, yaw=-20), f"{style} (id {i})")
                 for style, i in _identity_per_hair_style(seed)])
    return rows


def contact_sheet(renderer=None, size=128, identities=(1, 6, 17, 25), poses_identity=0,
                  attribute_identity=2):
    """Renders the control overview as one RGB uint8 image, each tile captioned with its
    control (the columns mean something else on every row).

    Rows: each identity under the 7 expressions, yaw from -90 to 90, pitch and roll ("p+15
    r+15": both), every style, glasses / ages / genders, hair colours, and one identity per
    hair style.

    Args:
        renderer: a `SynthPortraits`. Defaults to `SynthPortraits(seed=0)`.
        size: int. Tile size in pixels. Defaults to `128`.
        identities: identities shown with every expression.
        poses_identity: identity shown in the pose rows.
        attribute_identity: identity shown in the style and attribute rows.
    """
    renderer = renderer or SynthPortraits(seed=0)
    rows = _rows(identities, poses_identity, attribute_identity, renderer.seed)
    columns = max(len(r) for r in rows)
    blank = None
    images = []
    for row in rows:
        tiles = [_caption(renderer.render(size=size, **kwargs)["image"], text)
                 for kwargs, text in row]
        if blank is None:
            blank = np.full_like(tiles[0], _CAPTION_BG[0])
        tiles += [blank] * (columns - len(tiles))
        images.append(np.concatenate(tiles, axis=1))
    return np.concatenate(images, axis=0)
