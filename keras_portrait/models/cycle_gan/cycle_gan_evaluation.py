"""How well a CycleGAN translates: structure kept, cycle closed, identity kept, and, when the true
other-domain image exists (SynthPortraits renders the same portrait in every style), how close
the translation comes to it."""

import numpy as np
from keras import ops

from keras_portrait import metrics
from keras_portrait.grids import image_grid
from keras_portrait.grids import to_uint8

DIRECTIONS = ("a2b", "b2a")
# The columns of each direction's sheet (the last only when paired).
SHEET_LABELS = {"a2b": ("input A", "to B", "back to A", "true B"),
                "b2a": ("input B", "to A", "back to B", "true A")}


def evaluate_translation(
    model,
    images_a,
    images_b=None,
    paired=False,
    embedder=None,
    batch_size=16,
    sheet_rows=8,
):
    """Scores `model`'s translations of `images_a` (A → B) and of `images_b` (B → A).

    For each direction, over the input images x, translations G(x) and reconstructions
    F(G(x)): SSIM and PSNR of G(x) against x (how much of the portrait's structure the
    translation keeps, the measure of the identity-aware CycleGAN study) and of F(G(x)) against
    x (how well the cycle closes); with an `embedder`, the cosine similarity of the embeddings
    of x and G(x) (is the sitter still recognisable). With `paired=True`, `images_a[i]` and
    `images_b[i]` are the same portrait in the two domains (`synth_style_pairs`), and the report
    adds SSIM and PSNR of G(x) against the true other-domain image, next to the figures of the
    untranslated input against it (the do-nothing baseline a translation should beat).

    Args:
        model: a `CycleGAN` (anything with `generator_a2b` and `generator_b2a`).
        images_a: float (N, H, W, 3) in [-1, 1] or uint8. Domain A inputs.
        images_b: same, or None. Domain B inputs (B → A is then scored too).
        paired: bool. `images_a[i]` and `images_b[i]` show the same portrait.
        embedder: callable or None. Images in [-1, 1] → (batch, D) face embeddings.
        batch_size: int. Images per generator call. Defaults to `16`.
        sheet_rows: int. Rows of each direction's sheet. Defaults to `8`.

    Returns:
        `(report, sheets)`: `report` a JSON-ready dict, per direction the summaries (mean, std,
        min, max) of every figure and the image count; `sheets` direction → uint8 grid, one
        row per input, under `SHEET_LABELS`: input | translation | reconstruction (| true
        other-domain image when `paired`).
    """
    images_a = _as_float(images_a, "images_a")
    if images_b is not None:
        images_b = _as_float(images_b, "images_b")
    if paired:
        if images_b is None or images_b.shape != images_a.shape:
            raise ValueError(
                "`paired=True` needs `images_b` of the same shape as `images_a`. Received: "
                f"{images_a.shape} and {None if images_b is None else images_b.shape}"
            )
    generators = {
        "a2b": (model.generator_a2b, model.generator_b2a),
        "b2a": (model.generator_b2a, model.generator_a2b),
    }
    inputs = {"a2b": (images_a, images_b if paired else None)}
    if images_b is not None:
        inputs["b2a"] = (images_b, images_a if paired else None)

    report, sheets = {"count": int(images_a.shape[0]), "paired": bool(paired)}, {}
    for direction, (source, target) in inputs.items():
        forward, backward = generators[direction]
        translated = _run(forward, source, batch_size)
        reconstructed = _run(backward, translated, batch_size)
        figures = {
            "translation_vs_input": _similarity(translated, source),
            "reconstruction_vs_input": _similarity(reconstructed, source),
        }
        if target is not None:
            figures["translation_vs_truth"] = _similarity(translated, target)
            figures["input_vs_truth"] = _similarity(source, target)
        if embedder is not None:
            figures["identity_similarity"] = metrics.summary(
                metrics.identity_similarity(embedder, source, translated, batch_size=batch_size)
            )
            if target is not None:
                figures["identity_similarity_truth"] = metrics.summary(
                    metrics.identity_similarity(embedder, source, target, batch_size=batch_size)
                )
        report[direction] = {"count": int(source.shape[0]), **figures}
        columns = [source, translated, reconstructed] + ([target] if target is not None else [])
        rows = np.stack([to_uint8(c[:sheet_rows]) for c in columns], axis=1)
        sheets[direction] = image_grid(rows.reshape(-1, *rows.shape[2:]),
                                       labels=SHEET_LABELS[direction][:len(columns)])
    return report, sheets


def _similarity(images, references):
    return {
        "ssim": metrics.summary(metrics.ssim(images, references)),
        "psnr": metrics.summary(metrics.psnr(images, references)),
    }


def _run(generator, images, batch_size):
    outputs = [
        ops.convert_to_numpy(generator(images[start : start + batch_size], training=False))
        for start in range(0, images.shape[0], batch_size)
    ]
    return np.concatenate(outputs, axis=0).astype(np.float32)


def _as_float(images, name):
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.shape[0] < 1:
        raise ValueError(f"`{name}` must be a non-empty (N, H, W, 3) batch. Received: {images.shape}")
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 127.5 - 1.0
    return images.astype(np.float32)
