"""The identity-aware loss term that CycleGAN and RotationGAN share: a frozen face embedder
keeps the sitter recognisable, and is never saved with the model."""

from keras import ops

from keras_portrait import losses
from keras_portrait.models.base_gan import check_callable
from keras_portrait.models.sample_images import Unsaved


class IdentityTermMixin:
    """`λ_id · Σ ‖E(real) − E(fake)‖²` for a `BaseGAN`, E an `identity_embedder`.

    The embedder is a callable from images in [-1, 1] to `(batch, ...)` embeddings (a
    face-recognition network, frozen: only the generators are updated by the term). It is
    never saved with the model, neither in its config nor in its weights (an external, often
    large, frozen network; keeping it out also keeps the weight files of models with and
    without it interchangeable): after loading, pass it again with `set_identity_embedder`.

    The class using the mixin sets `identity_weight` (λ_id) and calls
    `init_identity_term(identity_embedder)` in its constructor, then adds
    `identity_loss((real, fake), ...)` to its generators' loss. With `identity_weight` > 0 and
    no embedder, `IDENTITY_EMBEDDER_REQUIRED` says what happens: True (CycleGAN, whose weight
    is 0 by default) raises a ValueError at the first loss; False (RotationGAN, whose weight
    is 1 by default) leaves the term off until an embedder is set.
    """

    IDENTITY_EMBEDDER_REQUIRED = True

    def init_identity_term(self, identity_embedder):
        """Checks and keeps (out of saving) the constructor's `identity_embedder`."""
        check_callable("identity_embedder", identity_embedder, "images → embeddings")
        self._embedder = Unsaved(identity_embedder)

    def set_identity_embedder(self, embedder):
        """Sets (or clears, with None) the embedder of the identity term."""
        check_callable("embedder", embedder, "images → embeddings")
        self._embedder.value = embedder
        self.refresh_jit_compile()

    def external_networks(self):
        embedder = self._embedder.value
        return [embedder] if embedder is not None and self.identity_weight > 0 else []

    def identity_loss(self, *pairs):
        """`identity_weight · Σ` over the `(real, fake)` pairs of `embedding_distance`; 0 when
        the weight is 0, or when no embedder is set and none is required."""
        if not self.identity_weight > 0 or (
            self._embedder.value is None and not self.IDENTITY_EMBEDDER_REQUIRED
        ):
            return ops.zeros((), "float32")
        total = self.embedding_distance(*pairs[0])
        for real, fake in pairs[1:]:
            total = total + self.embedding_distance(real, fake)
        return self.identity_weight * total

    def embedding_distance(self, real, fake):
        """Batch mean of `‖E(real) − E(fake)‖²`, E the identity embedder (kept fixed)."""
        embedder = self._embedder.value
        if embedder is None:
            raise ValueError(
                f"identity_weight={self.identity_weight} needs an identity embedder: "
                "pass `identity_embedder=` or call `set_identity_embedder()` (it is not saved "
                "with the model)."
            )
        return losses.embedding_distance(embedder, real, fake)
