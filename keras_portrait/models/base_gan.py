"""The plumbing every GAN family shares: compile, trackers, seeds, sub-steps, validation,
batched inference, serialization."""

import keras
import numpy as np
import tensorflow as tf

from keras_portrait.grids import image_grid
from keras_portrait.grids import to_uint8


def check_loss_weights(**weights):
    """Raises a ValueError naming the first loss weight that is not >= 0 (NaN included)."""
    for name, value in weights.items():
        if not value >= 0:
            raise ValueError(f"`{name}` must be >= 0. Received: {name}={value}")


def check_callable(name, value, what):
    """Raises a ValueError unless `value` is None or callable; `what` says what it maps."""
    if value is not None and not callable(value):
        raise ValueError(
            f"`{name}` must be a callable ({what}). Received: {type(value).__name__}"
        )


def unpack_pair(batch, family, description):
    """The two parts of a `(x, y)` batch, or a ValueError naming what `family` trains on."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError(
            f"{family} trains on `{description}` batches. Received: {type(batch).__name__}"
        )
    return batch


def batched_uint8(function, inputs, batch_size):
    """uint8 images of `function` run on `inputs`, `batch_size` examples at a time.

    The inference loop under every family's verb (`generate`, `translate`, `synthesize`,
    `clean`) and sample grid. `inputs` is an array or tensor, or a list of them sharing their
    first axis, sliced together and passed as separate arguments; `function` maps a slice to
    float images in [-1, 1] (any shape: several images per example may be stacked on an axis).
    Returns the uint8 outputs concatenated on the first axis; no examples give a `(0,)` array.
    """
    parts = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    total = int(keras.ops.shape(parts[0])[0])
    outputs = [
        to_uint8(function(*(part[start : start + batch_size] for part in parts)))
        for start in range(0, total, batch_size)
    ]
    return np.concatenate(outputs, axis=0) if outputs else np.zeros((0,), np.uint8)


class BaseGAN(keras.Model):
    """A `keras.Model` that trains two players with `fit` and a custom `train_step`.

    A family subclass builds its networks in `__init__` and names them in `GENERATORS` and
    `DISCRIMINATORS` (attribute names: `generators` and `discriminators` list them, those set
    to None left out), gives the paper's Adam settings of each player in `OPTIMIZERS`, names its
    logged losses in `LOSS_NAMES` and writes `discriminator_step`, `generator_step` and
    `validation_losses`. Each sub-step computes its losses under its own `tf.GradientTape` and
    calls `apply_gradients(tape, loss, networks, optimizer)`, which updates only those networks;
    `test_step` reports the same losses on validation data and updates nothing.

    Losses are means over the examples a replica sees; `apply_gradients` divides them by the
    number of replicas, so that the summed update of `tf.distribute` strategies equals the update
    of one device on the same global batch. Random draws (`normal`, `uniform`) are made for the
    global batch from the model's seed generator and each replica takes its own slice, so a
    strategy changes neither the noise nor the result.

    Args:
        discriminator_steps: int. Discriminator updates per generator update. Defaults to `1`.
        seed: int or None. Seed of the model's `keras.random.SeedGenerator`.
    """

    LOSS_NAMES = ()
    # Attribute names of the networks each player's optimizer trains.
    GENERATORS = ()
    DISCRIMINATORS = ()
    # The paper's `keras.optimizers.Adam` arguments, (generator's, discriminator's).
    OPTIMIZERS = ()
    # Constructor arguments that take a network: `get_config` stores each network's config and
    # `from_config` rebuilds it, so a saved GAN reloads with the networks it was built with.
    NETWORK_ARGS = ()

    def __init__(self, discriminator_steps=1, seed=None, **kwargs):
        super().__init__(**kwargs)
        if discriminator_steps < 1:
            raise ValueError(
                "`discriminator_steps` must be >= 1. "
                f"Received: discriminator_steps={discriminator_steps}"
            )
        self.discriminator_steps = discriminator_steps
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.LOSS_NAMES}

    # --- the players ---------------------------------------------------------------------------
    @property
    def generators(self):
        """The generator-side networks (list of models, `GENERATORS`), trained by `g_optimizer`."""
        return self._networks(self.GENERATORS)

    @property
    def discriminators(self):
        """The discriminator-side networks (list of models, `DISCRIMINATORS`), trained by
        `d_optimizer`."""
        return self._networks(self.DISCRIMINATORS)

    def _networks(self, names):
        return [net for net in (getattr(self, name) for name in names) if net is not None]

    def default_optimizers(self):
        """The paper's (generator, discriminator) optimizers, used when compile() gets none:
        a new `keras.optimizers.Adam` of each of `OPTIMIZERS`."""
        if len(self.OPTIMIZERS) != 2:
            raise NotImplementedError(f"{type(self).__name__} sets no `OPTIMIZERS`")
        return tuple(keras.optimizers.Adam(**arguments) for arguments in self.OPTIMIZERS)

    # --- what a family provides -------------------------------------------------------------
    def sample_inputs(self, n, seed=None):
        """`n` inputs of `call()` for sample grids: latents, or fixed images of a dataset."""
        raise NotImplementedError

    def sample_grid(self, inputs, batch_size=64):
        """A uint8 grid of `self(inputs, training=False)` for sample sheets; a family may show
        more (CycleGAN: input | translation | reconstruction)."""
        return image_grid(
            batched_uint8(lambda x: self(x, training=False), inputs, batch_size)
        )

    def discriminator_step(self, batch):
        raise NotImplementedError

    def generator_step(self, batch):
        raise NotImplementedError

    def validation_losses(self, batch):
        """Every loss of `LOSS_NAMES` as the train step computes it on `batch`, without an
        update: a dict name → scalar (see `test_step`)."""
        raise NotImplementedError(f"{type(self).__name__} has no validation_losses")

    # --- presets ------------------------------------------------------------------------------
    @classmethod
    def from_preset(cls, name):
        """The trained model of preset `name` (`keras_portrait.presets`; `kp.presets.list()`
        lists them), checked to be of this class's family."""
        from keras_portrait import presets  # noqa: PLC0415
        from keras_portrait import registry  # noqa: PLC0415

        family = next((spec.name for spec in registry.specs() if spec.model_class is cls), None)
        model = presets.load(name, family=family)
        if not isinstance(model, cls):
            raise ValueError(f"Preset {name!r} holds a {type(model).__name__}, not a "
                             f"{cls.__name__}.")
        return model

    # --- training -----------------------------------------------------------------------------
    def fit(self, x=None, *args, **kwargs):
        # A tf.data input keeps its own (seeded) order: Keras' default `shuffle=True` does
        # nothing to a dataset but warn.
        if isinstance(x, tf.data.Dataset):
            kwargs.setdefault("shuffle", False)
        return super().fit(x, *args, **kwargs)

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Under a strategy, Keras builds the model from the first batch, which it first
        # averages over the replicas with one `strategy.reduce` call. Under
        # MultiWorkerMirroredStrategy that call takes a single tensor, not a structure
        # (keras-team/keras#20585: "Attempt to convert a value (PerReplica...)"), so every
        # family whose batch is a tuple or a dict could not train on several workers. Building
        # needs shapes only: build from this worker's first replica's part of each tensor.
        strategy = getattr(self, "_distribute_strategy", None)
        if iterator is None or not isinstance(strategy,
                                              tf.distribute.MultiWorkerMirroredStrategy):
            return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)
        for _, _, batches in iterator:
            data_batch = keras.tree.map_structure(
                lambda value: (strategy.experimental_local_results(value)[0]
                               if isinstance(value, tf.distribute.DistributedValues) else value),
                next(batches))
            break
        with strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    # --- compile ------------------------------------------------------------------------------
    def compile(self, g_optimizer=None, d_optimizer=None, jit_compile=False, **kwargs):
        """Sets one optimizer per player (the family's paper defaults when None).

        `jit_compile=True` (XLA) makes the train step 2.0× faster for DCGAN and 1.5× for
        WGAN-GP on 2 CPU cores at 64² batch 64 (benchmarks/train_step_speed.py), for a few
        more seconds of first `fit`: turn it on for long runs on one device. It is off by
        default because under MirroredStrategy the XLA step fails (variables placed on another
        device), and a run with XLA does not reproduce one without (weights 2.6e-3 apart after
        3 steps of a tiny DCGAN), so distributed and single-device runs would no longer agree.
        `jit_compile="auto"` turns XLA on when the model trains on one device outside any
        `tf.distribute` strategy and every external network it calls (`external_networks`)
        supports XLA, and off otherwise.
        """
        self._jit_request = jit_compile
        kwargs["jit_compile"] = self.resolve_jit_compile(jit_compile)
        super().compile(**kwargs)
        default_g, default_d = self.default_optimizers()
        self.g_optimizer = g_optimizer if g_optimizer is not None else default_g
        self.d_optimizer = d_optimizer if d_optimizer is not None else default_d
        # The request, not its resolution, is saved: a model saved with "auto" on one device
        # and loaded under a strategy resolves again there.
        self._gan_compile_kwargs = {**kwargs, "jit_compile": jit_compile}
        # Optimizer slots are created here, outside any distributed function: created lazily
        # inside a replica context, they break the step under MirroredStrategy.
        self.g_optimizer.build(self._variables_of(self.generators))
        self.d_optimizer.build(self._variables_of(self.discriminators))

    def external_networks(self):
        """Networks the train step calls that the model does not own (frozen judges and
        embedders); `jit_compile="auto"` uses XLA only when each has `supports_jit=True`."""
        return []

    def resolve_jit_compile(self, jit_compile):
        """`jit_compile` as a bool: "auto" resolved as `compile` describes."""
        if jit_compile != "auto":
            if not isinstance(jit_compile, bool):
                raise ValueError(
                    f'`jit_compile` must be True, False or "auto". Received: {jit_compile!r}'
                )
            return jit_compile
        # Keras records the strategy a model is created under (None for the default one).
        if getattr(self, "_distribute_strategy", None) is not None or tf.distribute.has_strategy():
            return False
        return all(getattr(net, "supports_jit", False) for net in self.external_networks())

    def refresh_jit_compile(self):
        """Resolves a "auto" request again (after `external_networks` changed); the next
        `fit` rebuilds its train function when the answer changed."""
        if getattr(self, "_jit_request", None) != "auto":
            return
        resolved = self.resolve_jit_compile("auto")
        if resolved != self.jit_compile:
            self.jit_compile = resolved
            self.train_function = None

    def get_compile_config(self):
        if not getattr(self, "compiled", False) or not hasattr(self, "g_optimizer"):
            return {}
        return {
            "g_optimizer": keras.optimizers.serialize(self.g_optimizer),
            "d_optimizer": keras.optimizers.serialize(self.d_optimizer),
            **{k: v for k, v in self._gan_compile_kwargs.items() if k in ("jit_compile",)},
        }

    def compile_from_config(self, config):
        config = dict(config)
        self.compile(
            g_optimizer=keras.optimizers.deserialize(config.pop("g_optimizer")),
            d_optimizer=keras.optimizers.deserialize(config.pop("d_optimizer")),
            **config,
        )

    # --- training -----------------------------------------------------------------------------
    @property
    def metrics(self):
        return list(self.trackers.values())

    def train_step(self, batch):
        for _ in range(self.discriminator_steps):
            self.discriminator_step(batch)
        self.generator_step(batch)
        return self.logged_results()

    def test_step(self, batch):
        """Validation: the train step's losses on `batch`, with nothing updated.

        `fit(validation_data=...)` reports them as `val_<loss>`, `evaluate()` returns them.
        The family's `validation_losses` computes them as its sub-steps do — the networks in
        training mode (batch statistics, the spectral-norm power iteration), random draws made
        as the sub-steps make them — so they compare directly with the training logs. One
        difference: both players' losses are taken with the networks as they are, where a
        train step takes the second player's after the first one's update. Nothing moves: no
        gradient is taken, image pools are neither queried nor filled, and the variables of the
        networks (which training-mode calls write: batch norm's moving statistics, spectral
        norm's vectors and kernels) and the seed generator's state are restored after the
        step. The draws therefore do not advance: every validation batch draws the noise the
        next train step will draw, and evaluating twice gives the same numbers.
        """
        saved = [(variable, tf.identity(variable)) for variable in self._step_state()]
        logged = self.validation_losses(batch)
        # In a traced step, each restore runs after every earlier use of its variable
        # (TensorFlow orders the operations on one resource as the program does).
        for variable, value in saved:
            variable.assign(value)
        self.track(**logged)
        return self.logged_results()

    def _step_state(self):
        """The variables a training-mode call of the networks may write, and the seeds'."""
        variables, seen = [], set()
        for variable in [v for net in self.generators + self.discriminators
                         for v in net.variables] + [self.seed_generator.state]:
            if id(variable) not in seen:
                seen.add(id(variable))
                variables.append(variable)
        return variables

    def unused_losses(self):
        """Names of `LOSS_NAMES` whose term this model's settings turn off (a zero weight):
        left out of the logs, so that a log shows the terms that train."""
        return ()

    def logged_results(self):
        """The trackers' results, as `train_step` returns them to `fit` (unused terms left out)."""
        unused = set(self.unused_losses())
        results = {name: tracker.result() for name, tracker in self.trackers.items()
                   if name not in unused}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras reduces multi-worker logs with a MEAN over axis 0, which fails on scalars
            # (keras-team/keras#20585): hand it shape-[1] values, which it reduces to scalars.
            results = {name: tf.reshape(value, [1]) for name, value in results.items()}
        return results

    def track(self, **losses):
        """Updates the Mean tracker of each named loss."""
        for name, value in losses.items():
            self.trackers[name].update_state(value)

    def apply_gradients(self, tape, loss, networks, optimizer):
        """Gradients of `loss` for `networks` only, scaled for the strategy, then one update."""
        variables = self._variables_of(networks)
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        gradients = tape.gradient(loss, variables)
        if replicas > 1:
            gradients = [None if g is None else g / replicas for g in gradients]
        optimizer.apply_gradients(zip(gradients, variables))

    @staticmethod
    def _variables_of(networks):
        return [v for net in networks for v in net.trainable_variables]

    # --- strategy-invariant randomness --------------------------------------------------------
    def normal(self, batch_size, shape):
        """Standard normal draws of `shape` per example, the same under any strategy."""
        return self._replica_slice(batch_size, shape, keras.random.normal)

    def uniform(self, batch_size, shape):
        """Uniform [0, 1) draws of `shape` per example, the same under any strategy."""
        return self._replica_slice(batch_size, shape, keras.random.uniform)

    def _replica_slice(self, batch_size, shape, draw):
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        replica = context.replica_id_in_sync_group if context is not None else 0
        values = draw((batch_size * replicas, *shape), seed=self.seed_generator)
        return values[replica * batch_size : (replica + 1) * batch_size]

    # --- serialization ------------------------------------------------------------------------
    _SEED_STATE_KEY = "seed_generator_state"

    def save_own_variables(self, store):
        # Keras saves no SeedGenerator state (it is not a KerasSaveable): without it, a model
        # restored from a backup or a .keras file would draw the noise of a fresh model.
        super().save_own_variables(store)
        store[self._SEED_STATE_KEY] = self.seed_generator.state

    def load_own_variables(self, store):
        if self._SEED_STATE_KEY in store:  # files written before the state was saved lack it
            self.seed_generator.state.assign(store[self._SEED_STATE_KEY])
        own = {key: store[key] for key in store.keys() if key != self._SEED_STATE_KEY}
        super().load_own_variables(own)

    def get_config(self):
        return {
            **super().get_config(),
            "discriminator_steps": self.discriminator_steps,
            "seed": self.seed,
            **{
                name: keras.saving.serialize_keras_object(getattr(self, name))
                for name in self.NETWORK_ARGS
            },
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in cls.NETWORK_ARGS:
            # A file saved before a family gained an optional network lacks its key.
            if name in config:
                config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)
