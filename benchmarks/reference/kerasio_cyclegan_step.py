"""Train-step speed of the keras.io CycleGAN example's structure, for cyclegan_step.py.

    .venv/bin/python benchmarks/reference/kerasio_cyclegan_step.py [--sizes 128 256]
        [--steps 10] [--warmup 2] [--cores 2] [--jit auto|on|off]

A re-implementation, written from how the keras.io example "CycleGAN" (A. K. Nain, 2020, in
its Keras 3 form) is built, so that its step costs what the example's does:

- Instance norm as `keras.layers.GroupNormalization(groups=-1)` with a learned scale (gamma
  initialized from N(0, 0.02)) and offset; convolutions without bias, N(0, 0.02) kernels.
- A reflection-padding layer of its own (`tf.pad(mode="REFLECT")`), in the generator's stem,
  in every residual block and before the last convolution.
- Generator: c7s1-64, two stride-2 3×3 convs ("same" padding), 9 residual blocks, two
  stride-2 transposed convs ("same"), c7s1-3, tanh; discriminator: 4×4 convs C64-C128-C256
  (stride 2) - C512 (stride 1) - C1, "same" padding, LeakyReLU(0.2); inputs of fixed size.
- Its own `train_step`: every forward pass (both translations, both cycles, both identity
  mappings and the four discriminator calls on real and current fakes — no image pool) under
  one persistent `tf.GradientTape`, then four gradient computations and four Adam optimizers
  (2e-4, β1 0.5); LSGAN losses (MSE), discriminator loss × 0.5, cycle 10, identity 0.5 × 10.
- `compile()` with no arguments, so `jit_compile="auto"`, which Keras resolves to no XLA on a
  machine without accelerator (`--jit on` forces it).

Prints one JSON line per image size; a step of batch 1 is one training image (one image of
each domain), so images/s = steps/s.
"""

import argparse
import json
import os
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--cores", type=int, default=2,
                        help="pin the process to the first N CPUs (0: no pinning)")
    parser.add_argument("--jit", choices=("auto", "on", "off"), default="auto")
    return parser.parse_args()


def build(keras, tf, size):
    layers = keras.layers
    kernel_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)

    class MirrorPad(layers.Layer):
        def __init__(self, pad=1, **kwargs):
            super().__init__(**kwargs)
            self.pad = pad

        def call(self, x):
            p = self.pad
            return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def instance_norm():
        return layers.GroupNormalization(
            groups=-1, gamma_initializer=keras.initializers.RandomNormal(0.0, 0.02))

    def conv_norm_act(x, filters, kernel, strides, padding, activation, transpose=False):
        conv = layers.Conv2DTranspose if transpose else layers.Conv2D
        x = conv(filters, kernel, strides=strides, padding=padding, use_bias=False,
                 kernel_initializer=kernel_init)(x)
        x = instance_norm()(x)
        return activation(x) if activation is not None else x

    def residual(x):
        channels = x.shape[-1]
        y = MirrorPad(1)(x)
        y = conv_norm_act(y, channels, 3, 1, "valid", layers.Activation("relu"))
        y = MirrorPad(1)(y)
        y = conv_norm_act(y, channels, 3, 1, "valid", None)
        return layers.add([x, y])

    def generator(name, filters=64, blocks=9):
        image = layers.Input((size, size, 3))
        x = MirrorPad(3)(image)
        x = conv_norm_act(x, filters, 7, 1, "valid", layers.Activation("relu"))
        for _ in range(2):
            filters *= 2
            x = conv_norm_act(x, filters, 3, 2, "same", layers.Activation("relu"))
        for _ in range(blocks):
            x = residual(x)
        for _ in range(2):
            filters //= 2
            x = conv_norm_act(x, filters, 3, 2, "same", layers.Activation("relu"),
                              transpose=True)
        x = MirrorPad(3)(x)
        x = layers.Conv2D(3, 7, padding="valid")(x)
        return keras.Model(image, layers.Activation("tanh")(x), name=name)

    def discriminator(name, filters=64):
        image = layers.Input((size, size, 3))
        x = layers.Conv2D(filters, 4, strides=2, padding="same",
                          kernel_initializer=kernel_init)(image)
        x = layers.LeakyReLU(0.2)(x)
        for i in range(3):
            filters *= 2
            x = conv_norm_act(x, filters, 4, 2 if i < 2 else 1, "same", layers.LeakyReLU(0.2))
        x = layers.Conv2D(1, 4, padding="same", kernel_initializer=kernel_init)(x)
        return keras.Model(image, x, name=name)

    return generator("gen_g"), generator("gen_f"), discriminator("disc_x"), discriminator("disc_y")


def make_model(keras, tf, size, lambda_cycle=10.0, lambda_identity=0.5):
    mse = keras.losses.MeanSquaredError()
    mae = keras.losses.MeanAbsoluteError()

    def generator_loss(fake):
        return mse(tf.ones_like(fake), fake)

    def discriminator_loss(real, fake):
        return 0.5 * (mse(tf.ones_like(real), real) + mse(tf.zeros_like(fake), fake))

    class ExampleCycleGAN(keras.Model):
        def __init__(self):
            super().__init__()
            self.gen_g, self.gen_f, self.disc_x, self.disc_y = build(keras, tf, size)

        def compile(self, **kwargs):
            super().compile(**kwargs)
            self.optimizers_ = [keras.optimizers.Adam(2e-4, beta_1=0.5) for _ in range(4)]

        def train_step(self, batch):
            real_x, real_y = batch
            with tf.GradientTape(persistent=True) as tape:
                fake_y = self.gen_g(real_x, training=True)
                fake_x = self.gen_f(real_y, training=True)
                cycled_x = self.gen_f(fake_y, training=True)
                cycled_y = self.gen_g(fake_x, training=True)
                same_x = self.gen_f(real_x, training=True)
                same_y = self.gen_g(real_y, training=True)
                disc_real_x = self.disc_x(real_x, training=True)
                disc_fake_x = self.disc_x(fake_x, training=True)
                disc_real_y = self.disc_y(real_y, training=True)
                disc_fake_y = self.disc_y(fake_y, training=True)
                idt = lambda_cycle * lambda_identity
                loss_g = (generator_loss(disc_fake_y) + lambda_cycle * mae(real_y, cycled_y)
                          + idt * mae(real_y, same_y))
                loss_f = (generator_loss(disc_fake_x) + lambda_cycle * mae(real_x, cycled_x)
                          + idt * mae(real_x, same_x))
                loss_dx = discriminator_loss(disc_real_x, disc_fake_x)
                loss_dy = discriminator_loss(disc_real_y, disc_fake_y)
            pairs = ((loss_g, self.gen_g), (loss_f, self.gen_f),
                     (loss_dx, self.disc_x), (loss_dy, self.disc_y))
            grads = [tape.gradient(loss, net.trainable_variables) for loss, net in pairs]
            for optimizer, (_, net), g in zip(self.optimizers_, pairs, grads):
                optimizer.apply_gradients(zip(g, net.trainable_variables))
            return {"G_loss": loss_g, "F_loss": loss_f, "D_X_loss": loss_dx, "D_Y_loss": loss_dy}

    return ExampleCycleGAN()


def main():
    args = parse_args()
    if args.cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cores])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np
    import tensorflow as tf

    class StepTimes(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.times = []
            self.cpu_times = []

        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()
            self.cpu_start = time.process_time()

        def on_train_batch_end(self, batch, logs=None):
            self.times.append(time.perf_counter() - self.start)
            self.cpu_times.append(time.process_time() - self.cpu_start)
            self.logs = logs

    for size in args.sizes:
        keras.utils.set_random_seed(0)
        model = make_model(keras, tf, size)
        jit = {"auto": "auto", "on": True, "off": False}[args.jit]
        model.compile(jit_compile=jit)
        rng = np.random.default_rng(size)
        pair = tuple(rng.uniform(-1, 1, (1, size, size, 3)).astype("float32") for _ in range(2))
        dataset = tf.data.Dataset.from_tensors(pair).repeat()
        timer = StepTimes()
        model.fit(dataset, steps_per_epoch=args.warmup + args.steps, epochs=1, verbose=0,
                  callbacks=[timer])
        timed = timer.times[args.warmup:]
        print(json.dumps({
            "implementation": "kerasio-example",
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "image_size": size,
            "batch_size": 1,
            "jit_compile": bool(model.jit_compile),
            "cpus_available": len(os.sched_getaffinity(0)),
            "generator_parameters": model.gen_g.count_params(),
            "discriminator_parameters": model.disc_x.count_params(),
            "steps": args.steps,
            "images_per_second": len(timed) / sum(timed),
            "median_step_seconds": float(np.median(timed)),
            "min_step_seconds": float(np.min(timed)),
            "cpu_seconds_per_step": float(np.mean(timer.cpu_times[args.warmup:])),
            "first_step_seconds": timer.times[0],
            "finite": all(np.isfinite(float(v)) for v in timer.logs.values()),
        }), flush=True)


if __name__ == "__main__":
    main()
