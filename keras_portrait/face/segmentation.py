"""Person segmentation, and hair / skin / background around a face by colour and GrabCut.

`person_mask` runs MediaPipe's selfie segmentation model under LiteRT: the whole image stretched
to 256 x 256 (float RGB in [0, 1], as MediaPipe's selfie segmentation graph feeds it) gives the
probability that each pixel belongs to a person, resized back to the image's size.

`classify_head` splits a portrait into background, skin and hair around its rasterized face (see
`keras_portrait.face.masks.face_mask`, which calls it).

Reference:
    Bazarevsky and Grishchenko, "Background Features in Google Meet, Powered by Web ML", 2020
    (MediaPipe Selfie Segmentation, general model).
    Rother, Kolmogorov and Blake, "GrabCut: Interactive Foreground Extraction using Iterated
    Graph Cuts", SIGGRAPH 2004.
"""

import cv2
import numpy as np

from keras_portrait.face import _mediapipe_models as mp_models
from keras_portrait.face import detection
from keras_portrait.imaging.image_input import as_rgb8
from keras_portrait.labels import MASK_CLASSES

SELFIE_SEGMENTATION = "modules/selfie_segmentation/selfie_segmentation.tflite"
INPUT_SIZE = 256


def segmentation_model_path():
    """Path of MediaPipe's selfie segmentation file; `FileNotFoundError` naming the install."""
    return mp_models.mediapipe_model_path(SELFIE_SEGMENTATION)


def segmentation_available():
    """Whether MediaPipe's selfie segmentation file is installed."""
    try:
        segmentation_model_path()
    except FileNotFoundError:
        return False
    return True


def person_mask(image):
    """The probability that each pixel shows a person (any part: face, hair, body, clothes).

    Args:
        image: a path or an array (see `keras_portrait.imaging.image_input.as_rgb8`).

    Returns:
        float32 (H, W) in [0, 1], at the image's size.

    Raises:
        FileNotFoundError: when the `mediapipe` wheel (which ships the model) is not installed.
    """
    image = as_rgb8(image)
    height, width = image.shape[:2]
    shrinking = height > INPUT_SIZE or width > INPUT_SIZE
    tensor = cv2.resize(image, (INPUT_SIZE, INPUT_SIZE),
                        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    tensor = tensor.astype(np.float32)[None] / 255.0
    (probability,) = detection.run_interpreter(segmentation_model_path(), tensor)
    probability = probability.reshape(INPUT_SIZE, INPUT_SIZE)
    if (height, width) != (INPUT_SIZE, INPUT_SIZE):
        probability = cv2.resize(probability, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.clip(probability, 0.0, 1.0).astype(np.float32)


class ColourModel:
    """A Gaussian mixture over CIELAB colours, fitted by k-means (as GrabCut's colour models).

    Args:
        samples: (N, 3) float32 Lab colours.
        components: int. Mixture components (fewer when there are few samples). Defaults to `3`.
    """

    def __init__(self, samples, components=3):
        samples = np.asarray(samples, np.float32).reshape(-1, 3)
        if len(samples) < 8:
            raise ValueError(f"A colour model needs >= 8 samples. Received: {len(samples)}")
        components = max(1, min(components, len(samples) // 8))
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 0.5)
        _, assignment, _ = cv2.kmeans(samples, components, None, criteria, 1,
                                      cv2.KMEANS_PP_CENTERS)
        assignment = assignment.ravel()
        self.means, self.whitenings, self.log_norms = [], [], []
        for k in range(components):
            members = samples[assignment == k].astype(np.float64)
            if len(members) < 2:
                continue
            covariance = np.cov(members.T) + np.eye(3) * 4.0  # at least 2 Lab units of spread
            self.means.append(members.mean(axis=0))
            # (x - mean) @ whitening has unit covariance: whitening = inverse Cholesky factor.
            self.whitenings.append(np.linalg.inv(np.linalg.cholesky(covariance)).T)
            weight = len(members) / len(samples)
            self.log_norms.append(np.log(weight) - 0.5 * np.log(np.linalg.det(covariance))
                                  - 1.5 * np.log(2 * np.pi))

    def log_likelihood(self, colours):
        """(N,) log density of (N, 3) Lab colours."""
        colours = np.asarray(colours, np.float32).reshape(-1, 3)
        terms = []
        for mean, whitening, log_norm in zip(self.means, self.whitenings, self.log_norms):
            white = (colours - mean.astype(np.float32)) @ whitening.astype(np.float32)
            terms.append(log_norm - 0.5 * np.einsum("ni,ni->n", white, white))
        return np.logaddexp.reduce(np.stack(terms), axis=0)


def to_lab(image):
    """(H, W, 3) float32 CIELAB (L in [0, 100]) of a uint8 RGB image."""
    return cv2.cvtColor(image.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


def _sample(mask, limit, rng):
    index = np.flatnonzero(mask)
    if len(index) > limit:
        index = rng.choice(index, limit, replace=False)
    return index


_BACKGROUND, _SKIN, _HAIR = (MASK_CLASSES.index(name) for name in ("background", "skin", "hair"))
# Prior (background, skin, hair) of a person's pixel in each region of the head model, in the
# order they are painted (later regions win).
_PRIORS = (
    ("elsewhere", (0.6, 0.01, 0.39)),
    ("torso", (0.77, 0.01, 0.22)),
    ("hanging", (0.5, 0.002, 0.498)),
    ("neck", (0.2, 0.6, 0.2)),
    ("hair_margin", (0.45, 0.01, 0.54)),
    ("low_skull", (0.1, 0.45, 0.45)),
    ("high_skull", (0.02, 0.2, 0.78)),
    ("ears", (0.05, 0.7, 0.25)),
)
_COLOUR_WEIGHT = 0.5  # colour log-likelihoods are overconfident: temper them
_COLOUR_RANGE = 8
_BALD_DARKER, _BALD_BRIGHTER, _BALD_CHROMATICITY = 6.0, 20.0, 0.02  # Lab L; r, g, b fractions
_SAMPLES = 3000  # colour samples per model
_CROWN_Y = 7.0  # canonical cm above which the skull is the crown (hair unless bald)
_GRABCUT_ITERATIONS = 2
_GRABCUT_MARGIN = 0.15
_SURE_HAIR = 0.95  # posterior above which GrabCut must keep a pixel as hair


def _region_masks(regions):
    skull = regions["skull"]
    high = skull & (regions["skull_y"] > 2.0)
    return {"elsewhere": np.ones_like(skull), "torso": regions["torso"],
            "hanging": regions["hanging"],
            "neck": regions["neck"], "hair_margin": regions["hair_margin"],
            "low_skull": skull & ~high, "high_skull": high, "ears": regions["ears"]}


def _priors(regions, person, face, face_hair, bald):
    """(H, W, 3) prior probabilities of background, skin and hair."""
    masks = _region_masks(regions)
    prior = np.zeros(person.shape + (3,))
    for name, value in _PRIORS:
        prior[masks[name]] = value
    # The head is where the mesh puts it, whatever the segmentation says.
    p = np.where(regions["skull"] | regions["ears"], np.maximum(person, 0.9), person)[..., None]
    prior = prior * p
    prior[..., 0] += 1.0 - p[..., 0]
    prior[face > 0] = (0.0, 1.0, 0.0)
    prior[..., 1] -= face_hair
    prior[..., 2] += face_hair
    if bald:
        prior[..., 2] *= 1e-3
    return prior


def _colour_scores(lab, models):
    """(H, W, 3) tempered colour log-likelihoods of background, skin and hair.

    `models` holds, per class, the colour models of its sources (e.g. backdrop and clothes),
    mixed with equal weights; a class without any takes the mean score of the others.
    """
    flat = lab.reshape(-1, 3)
    scores = np.zeros((len(flat), 3))
    known = []
    for column, sources in enumerate(models):
        sources = [m for m in sources if m is not None]
        if sources:
            terms = np.stack([m.log_likelihood(flat) for m in sources])
            scores[:, column] = np.logaddexp.reduce(terms, axis=0) - np.log(len(sources))
            known.append(column)
    for column in range(3):
        if column not in known and known:
            scores[:, column] = scores[:, known].mean(axis=1)
    # No colour is evidence beyond `_COLOUR_RANGE` nats: light brown hair and tanned skin, say,
    # are told apart by where they are.
    scores = np.maximum(scores, scores.max(axis=1, keepdims=True) - _COLOUR_RANGE)
    return _COLOUR_WEIGHT * scores.reshape(lab.shape[:2] + (3,))


def _fit(lab, mask, rng, minimum=30):
    """A colour model of the pixels in `mask`, or None when there are too few."""
    index = _sample(mask, _SAMPLES, rng)
    if len(index) < minimum:
        return None
    return ColourModel(lab.reshape(-1, 3)[index])


def _is_bald(image, lab, skin_seed, crown):
    """Whether the crown shows the face's skin.

    The crown's median lightness must lie within `_BALD_DARKER` darker and `_BALD_BRIGHTER`
    brighter (a lit scalp) than the face's, and its median chromaticity (r, g, b over their sum)
    within `_BALD_CHROMATICITY` of the face's; hair of the skin's very colour passes for skin.
    """
    if crown.sum() < 30 or skin_seed.sum() < 30:
        return False
    lightness = np.median(lab[crown][:, 0]) - np.median(lab[skin_seed][:, 0])
    rgb = image.astype(np.float32) + 1.0
    chromaticity = rgb / rgb.sum(axis=-1, keepdims=True)
    shift = np.median(chromaticity[crown], axis=0) - np.median(chromaticity[skin_seed], axis=0)
    return bool(-_BALD_DARKER < lightness < _BALD_BRIGHTER
                and np.linalg.norm(shift) < _BALD_CHROMATICITY)


def classify_head(image, face, regions, person, face_hair, refine="grabcut", seed=0):
    """Background, skin or hair at every pixel, around a rasterized face.

    Combines a prior from the head model (skull, ears, neck, torso), the person segmentation,
    and colour models seeded from the face's skin and the throat, the crown, the clothes and
    the backdrop; `refine="grabcut"` then re-segments the hair with `cv2.grabCut` started from
    that guess. A crown of the face's skin colour is a bald head: no hair at all then. Seeds
    OpenCV's global random generator with `seed`, so that the same image gives the same mask.

    Args:
        image: (H, W, 3) uint8 RGB.
        face: (H, W) int face-mesh classes, 0 off the mesh (see `masks.face_parts`).
        regions: dict. The head model's regions (see `masks.head_regions`).
        person: (H, W) float person probability (see `person_mask`).
        face_hair: (H, W) float. Prior of hair over the face-mesh skin (forehead, temples),
            0 where hair cannot be.
        refine: `"grabcut"` or None.
        seed: int. Seed of the colour samples.

    Returns:
        (H, W) int32 class ids (background, skin or hair).
    """
    rng = np.random.default_rng(seed)
    cv2.setRNGSeed(seed)  # k-means in the colour models and in GrabCut: the same mask every time
    lab = to_lab(image)
    skin_seed = (face == _SKIN) & (face_hair == 0)
    crown = (regions["skull"] & (regions["skull_y"] > _CROWN_Y) & ~regions["near_face"]
             & (person > 0.5) & (face == 0))
    clothes = regions["clothes"] & (person > 0.5)
    backdrop = (person < 0.1) & ~regions["skull"] & ~regions["hair_margin"]
    throat = regions["throat"] & (person > 0.5)
    bald = _is_bald(image, lab, skin_seed, crown)
    models = ((_fit(lab, backdrop, rng), _fit(lab, clothes, rng)),
              (_fit(lab, skin_seed, rng), _fit(lab, throat, rng)),
              () if bald else (_fit(lab, crown, rng),))
    scores = np.log(_priors(regions, person, face, face_hair, bald) + 1e-6)
    scores += _colour_scores(lab, models)
    scores -= scores.max(axis=-1, keepdims=True)
    posterior = np.exp(scores)
    posterior /= posterior.sum(axis=-1, keepdims=True)
    posterior = cv2.GaussianBlur(posterior.astype(np.float32), (0, 0), 1.0)
    labels = posterior.argmax(axis=-1).astype(np.int32)
    if refine == "grabcut" and not bald:
        labels = _grabcut_hair(image, labels, posterior, face, face_hair, person, regions)
    return labels


def _grabcut_hair(image, labels, posterior, face, face_hair, person, regions):
    """Re-segments hair against everything else with GrabCut, started from `labels`.

    Only the box around the hair (grown by `_GRABCUT_MARGIN` of the image size) is re-segmented.
    """
    hair = labels == _HAIR
    if hair.sum() < 20:
        return labels
    mask = np.where(hair, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
    mask[hair & (posterior[..., _HAIR] > _SURE_HAIR)] = cv2.GC_FGD
    sure_not = (face > 0) & (face_hair == 0)
    sure_not |= (person < 0.05) & ~regions["skull"] & ~regions["hair_margin"]
    mask[sure_not] = cv2.GC_BGD
    rows, cols = np.flatnonzero(hair.any(axis=1)), np.flatnonzero(hair.any(axis=0))
    margin = int(np.ceil(_GRABCUT_MARGIN * max(hair.shape)))
    box = (slice(max(rows[0] - margin, 0), rows[-1] + margin + 1),
           slice(max(cols[0] - margin, 0), cols[-1] + margin + 1))
    local = np.ascontiguousarray(mask[box])
    if not (np.isin(local, (cv2.GC_BGD, cv2.GC_PR_BGD)).any()
            and np.isin(local, (cv2.GC_FGD, cv2.GC_PR_FGD)).any()):
        return labels  # GrabCut needs both sides in its box
    background_model, foreground_model = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(np.ascontiguousarray(image[box]), local, None, background_model,
                foreground_model, _GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    now_hair = hair.copy()
    now_hair[box] = (local == cv2.GC_FGD) | (local == cv2.GC_PR_FGD)
    # Pixels that stop being hair take the better of background and skin.
    other = np.where(posterior[..., _SKIN] > posterior[..., _BACKGROUND], _SKIN, _BACKGROUND)
    return np.where(now_hair, _HAIR, np.where(hair, other, labels)).astype(np.int32)
