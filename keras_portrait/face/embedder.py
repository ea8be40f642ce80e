"""Face identity as numbers: FaceNet embeddings, their cosine similarity, a same-person test.

A numpy-level convenience over `FaceNetEmbedder` (the differentiable Keras layer, for identity
losses) and `keras_portrait.metrics.identity_similarity` (the cosine of paired embeddings).
"""

import numpy as np

from keras_portrait.face.facenet import load_facenet
from keras_portrait.metrics.identity_similarity import identity_similarity

# Cosine similarity above which two faces are called the same person. Measured on 46 real
# 1024x1024 FFHQ-aligned photos, whole frames resized to 160x160
# (benchmarks/face_expression.py --only identity): the 1033 pairs of different people reach at
# most 0.63 (99th percentile 0.47); the 2 pairs of one person give 0.78 and 0.85, and a mirrored
# photo 0.94 or more. Two genuine pairs pin nothing down: expect misses on pose, age or lighting
# changes that this set does not contain.
SAME_PERSON_THRESHOLD = 0.7


class FaceEmbedder:
    """Embeds face images with FaceNet and compares them pairwise.

    Images are uint8 [0, 255] or float [-1, 1] NHWC RGB arrays or tensors, or one HWC image.
    FaceNet saw face crops with a margin (MTCNN box plus ~25%): pass images framed like an
    FFHQ-aligned portrait or tighter, not scenes with a small face. On the test photos, crops
    tighter than the eyebrows-to-chin box raised different people's similarities (max 0.84).

    Args:
        embedder: callable or None. Maps float32 images (n, H, W, 3) in [-1, 1] to embeddings
            (n, D). Defaults to `None`, a `FaceNetEmbedder` over the installed weights.
        threshold: float. Similarity above which `same_person` answers True. Defaults to
            `SAME_PERSON_THRESHOLD` (0.7, measured with FaceNet; set your own for another
            embedder).
        batch_size: int. Images per embedder call. Defaults to `32`.

    Reference:
        Schroff et al., "FaceNet: A Unified Embedding for Face Recognition and Clustering",
        CVPR 2015.
    """

    def __init__(self, embedder=None, threshold=SAME_PERSON_THRESHOLD, batch_size=32):
        if not -1.0 <= threshold <= 1.0:
            raise ValueError(f"`threshold` must be in [-1, 1]. Received: threshold={threshold}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"`batch_size` must be an int >= 1. Received: batch_size={batch_size}")
        self.embedder = load_facenet() if embedder is None else embedder
        self.threshold = float(threshold)
        self.batch_size = batch_size

    def embed(self, images):
        """float32 embeddings (N, D), or (D,) for one HWC image."""
        images = np.asarray(images.numpy() if hasattr(images, "numpy") else images)
        single = images.ndim == 3
        images = images[None] if single else images
        if images.ndim != 4:
            raise ValueError(
                f"`images` must be (N, H, W, C) or one (H, W, C) image. Received shape "
                f"{images.shape}"
            )
        if images.dtype == np.uint8:
            images = images.astype(np.float32) / 127.5 - 1.0
        elif not np.issubdtype(images.dtype, np.floating):
            raise ValueError(f"`images` must be uint8 or float. Received dtype {images.dtype}")
        rows = [
            np.asarray(self.embedder(images[i : i + self.batch_size].astype(np.float32)))
            for i in range(0, len(images), self.batch_size)
        ]
        embeddings = np.concatenate(rows).astype(np.float32) if rows else np.zeros((0, 0))
        return embeddings[0] if single else embeddings

    def similarity(self, images_a, images_b):
        """Cosine similarity of each pair: float64 (N,) in [-1, 1], or a scalar for one pair."""
        return identity_similarity(self.embedder, images_a, images_b, batch_size=self.batch_size)

    def same_person(self, images_a, images_b):
        """Whether each pair's similarity exceeds `threshold`: bool (N,), or a bool for one pair."""
        return self.similarity(images_a, images_b) > self.threshold
