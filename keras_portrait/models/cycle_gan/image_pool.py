"""The history of generated images that CycleGAN's discriminators train on."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="keras_portrait")
class ImagePool(keras.layers.Layer):
    """A buffer of the last generated images, from which the discriminator sees a mix.

    Discriminators trained only on the newest fakes chase the generator's latest mode and
    oscillate; training them on a history of fakes damps that (Shrivastava et al.). The rule is
    the CycleGAN reference's, image by image in batch order: while the pool has fewer than
    `pool_size` images, an image is stored and returned as is; once full, with probability 1/2
    it is returned as is, otherwise a uniformly chosen stored image is returned in its place and
    it takes that image's slot. A later image of the same batch may thus return an earlier one.
    `pool_size=0` returns every batch unchanged.

    The state is two non-trainable variables, the images `(pool_size, H, W, C)` and the count
    of stored images, so it is saved with the model and survives a resumed run. The variables
    take their shape from the first images queried (or from `build(images_shape)`); a layer
    that was never built builds itself from a saved state when one is loaded.

    Randomness is passed in: `query(images, draws)` takes uniform [0, 1) draws of shape
    `(batch, 2)` (column 0 decides the swap, column 1 picks the slot), so that the caller
    decides where the randomness comes from and the pool is deterministic given the draws.

    Under a `tf.distribute` strategy the pool is one pool for the global batch, not one per
    replica: each replica's images and draws are gathered (in replica order, which is the order
    of the global batch), every replica applies the same rule to the same global batch and so
    computes the same new state, which is written once (`aggregation="only_first_replica"`),
    and each replica gets back its own slice. A run on N replicas therefore queries exactly as
    one device does on the global batch, at the cost of one all-gather of the generated images
    per query.

    Args:
        pool_size: int. Images kept, >= 0. Defaults to `50`.

    Reference:
        Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
        Networks", ICCV 2017 (section 4); Shrivastava et al., "Learning from Simulated and
        Unsupervised Images through Adversarial Training", CVPR 2017.
    """

    def __init__(self, pool_size=50, **kwargs):
        super().__init__(trainable=False, **{k: v for k, v in kwargs.items() if k != "trainable"})
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 0:
            raise ValueError(f"`pool_size` must be an int >= 0. Received: pool_size={pool_size!r}")
        self.pool_size = pool_size
        self.images = None
        self.count = None
        # Variables built later (by a restore, outside any scope) must still be the strategy's.
        self._strategy = tf.distribute.get_strategy()

    def build(self, images_shape):
        images_shape = tuple(images_shape)
        if len(images_shape) != 4 or any(d is None for d in images_shape[1:]):
            raise ValueError(
                "ImagePool needs images of known height, width and channels to size its "
                f"buffer. Received: images_shape={images_shape}"
            )
        if self.pool_size == 0:
            return
        if tf.distribute.has_strategy():
            self._add_state(images_shape[1:])
        else:
            with self._strategy.scope():
                self._add_state(images_shape[1:])

    def _add_state(self, image_shape):
        self.images = self.add_weight(
            shape=(self.pool_size, *image_shape), initializer="zeros", trainable=False,
            aggregation="only_first_replica", name="images",
        )
        self.count = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False,
            aggregation="only_first_replica", name="count",
        )

    def query(self, images, draws):
        """Stores `images` by the pool rule and returns the images to judge, same shape."""
        if self.pool_size == 0:
            return images
        if not self.built:
            self.build(images.shape)
        known = [d for d in images.shape[1:]]
        if None not in known and tuple(known) != tuple(self.images.shape[1:]):
            raise ValueError(
                f"This pool holds images of shape {tuple(self.images.shape[1:])}, it was queried "
                f"with {tuple(images.shape[1:])}: train on one image size per model."
            )
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        local = images
        images = tf.cast(images, self.images.dtype)
        draws = tf.cast(draws, "float32")
        if replicas > 1:
            images = context.all_gather(images, axis=0)
            draws = context.all_gather(draws, axis=0)
        returned, stored, count = pool_update(
            self.images.value, self.count.value, images, draws, self.pool_size
        )
        self.images.assign(stored)
        self.count.assign(count)
        if replicas > 1:
            size = tf.shape(local)[0]
            start = tf.cast(context.replica_id_in_sync_group, "int32") * size
            returned = returned[start : start + size]
        return tf.cast(returned, local.dtype)

    def load_own_variables(self, store):
        if not self.built and self.pool_size and "0" in store:
            self.build((None, *store["0"].shape[1:]))
        super().load_own_variables(store)

    def get_config(self):
        config = super().get_config()
        config.pop("trainable", None)
        return {**config, "pool_size": self.pool_size}


def pool_update(stored, count, images, draws, pool_size):
    """One query of the pool rule on a whole batch, without a loop over its images.

    Image `i` is written to a slot when the pool is not yet full (slot `count + i`) or when it
    swaps (slot `floor(draws[i, 1] * pool_size)`). A swapping image returns what its slot holds
    at its turn: the image of the latest earlier writer to that slot in this batch, else the
    stored one. Each slot ends with its last writer's image.

    Returns:
        (returned images, new stored images, new count).
    """
    n = tf.shape(images)[0]
    index = tf.range(n)
    fill = count + index < pool_size
    swap = tf.logical_and(tf.logical_not(fill), draws[:, 0] > 0.5)
    drawn_slot = tf.minimum(tf.cast(draws[:, 1] * pool_size, "int32"), pool_size - 1)
    slot = tf.where(fill, count + index, drawn_slot)
    writes = tf.logical_or(fill, swap)

    # same_slot[i, j]: image j writes the slot that image i reads or writes.
    same_slot = tf.logical_and(writes[None, :], tf.equal(slot[None, :], slot[:, None]))
    earlier = tf.logical_and(same_slot, index[None, :] < index[:, None])
    latest_earlier = tf.reduce_max(tf.where(earlier, index[None, :], -1), axis=1)
    previous = tf.where(
        (latest_earlier >= 0)[:, None, None, None],
        tf.gather(images, tf.maximum(latest_earlier, 0)),
        tf.gather(stored, tf.clip_by_value(slot, 0, pool_size - 1)),
    )
    returned = tf.where(swap[:, None, None, None], previous, images)

    # writer[s, j]: image j writes slot s; the slot keeps the last one.
    writer = tf.logical_and(writes[None, :], tf.equal(tf.range(pool_size)[:, None], slot[None, :]))
    last_writer = tf.reduce_max(tf.where(writer, index[None, :], -1), axis=1)
    new_stored = tf.where(
        (last_writer >= 0)[:, None, None, None],
        tf.gather(images, tf.maximum(last_writer, 0)),
        stored,
    )
    return returned, new_stored, tf.minimum(count + n, pool_size)
