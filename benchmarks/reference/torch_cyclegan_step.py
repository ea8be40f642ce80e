"""Train-step speed of the PyTorch reference CycleGAN, for the side-by-side in cyclegan_step.py.

    /work/bench_venv/bin/python benchmarks/reference/torch_cyclegan_step.py [--sizes 128 256]
        [--steps 10] [--warmup 2] [--threads 2]

Needs PyTorch (CPU build), in a virtual environment of its own, never the package's:
`python3 -m venv /work/bench_venv && /work/bench_venv/bin/pip install torch==2.13.0 numpy`.

A re-implementation, written from the CycleGAN paper (Zhu et al., ICCV 2017, appendix 7.2) and
from how the authors' PyTorch code is documented to train with its defaults (`--model cycle_gan
--netG resnet_9blocks --netD basic --norm instance --gan_mode lsgan --pool_size 50`): the same
networks, losses, update order and optimizers, so that its step costs what the reference's does.

- Generator: ReflectionPad2d(3), 7×7 conv, two stride-2 3×3 convs (zero padding 1), 9 residual
  blocks with ReflectionPad2d(1), two stride-2 transposed convs (padding 1, output_padding 1),
  ReflectionPad2d(3), 7×7 conv to RGB, tanh. InstanceNorm2d(affine=False) and ReLU after every
  conv but the last; every conv has a bias (the reference keeps biases with instance norm).
- Discriminator: the 70×70 PatchGAN (n_layers=3): 4×4 convs C64-C128-C256-C512-C1, padding 1,
  LeakyReLU(0.2), instance norm on all but the first and the last.
- One step: both generators updated together on LSGAN (MSE) + 10 × cycle L1 + 5 × identity L1
  (the discriminators' parameters excluded from the backward pass); then both discriminators on
  `0.5 × (MSE(D(real), 1) + MSE(D(pooled fake), 0))`, the fakes drawn from a 50-image pool.
  Adam 2e-4, betas (0.5, 0.999), one optimizer for both generators and one for both
  discriminators.

Prints one JSON line per image size; a step of batch 1 is one training image (one image of
each domain), so images/s = steps/s.
"""

import argparse
import itertools
import json
import os
import random
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cores", type=int, default=2,
                        help="pin the process to the first N CPUs (0: no pinning)")
    parser.add_argument("--channels-last", action="store_true",
                        help="NHWC memory format (not the reference's default)")
    return parser.parse_args()


def build(torch, ngf=64, ndf=64, num_blocks=9):
    nn = torch.nn

    def norm(channels):
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)

    class ResidualBlock(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.body = nn.Sequential(
                nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=True),
                norm(channels), nn.ReLU(True),
                nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=True),
                norm(channels),
            )

        def forward(self, x):
            return x + self.body(x)

    def generator():
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7, bias=True), norm(ngf), nn.ReLU(True)]
        channels = ngf
        for _ in range(2):
            layers += [nn.Conv2d(channels, channels * 2, 3, stride=2, padding=1, bias=True),
                       norm(channels * 2), nn.ReLU(True)]
            channels *= 2
        layers += [ResidualBlock(channels) for _ in range(num_blocks)]
        for _ in range(2):
            layers += [nn.ConvTranspose2d(channels, channels // 2, 3, stride=2, padding=1,
                                          output_padding=1, bias=True),
                       norm(channels // 2), nn.ReLU(True)]
            channels //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(channels, 3, 7), nn.Tanh()]
        return nn.Sequential(*layers)

    def discriminator(num_layers=3):
        layers = [nn.Conv2d(3, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        channels = ndf
        for i in range(1, num_layers + 1):
            out = ndf * min(2**i, 8)
            stride = 2 if i < num_layers else 1
            layers += [nn.Conv2d(channels, out, 4, stride=stride, padding=1, bias=True),
                       norm(out), nn.LeakyReLU(0.2, True)]
            channels = out
        layers += [nn.Conv2d(channels, 1, 4, stride=1, padding=1)]
        return nn.Sequential(*layers)

    networks = [generator(), generator(), discriminator(), discriminator()]
    for net in networks:
        for module in net.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(module.weight, 0.0, 0.02)
                nn.init.zeros_(module.bias)
    return networks


class ImagePool:
    """The reference's fake-image history: fill up to `size`, then swap with probability 1/2."""

    def __init__(self, torch, size=50):
        self.torch = torch
        self.size = size
        self.images = []

    def query(self, images):
        returned = []
        for image in images:
            image = image.detach().unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image)
                returned.append(image)
            elif random.uniform(0, 1) > 0.5:
                slot = random.randint(0, self.size - 1)
                returned.append(self.images[slot].clone())
                self.images[slot] = image
            else:
                returned.append(image)
        return self.torch.cat(returned, 0)


class ReferenceStep:
    def __init__(self, torch, lambda_cycle=10.0, lambda_identity=0.5):
        self.torch = torch
        self.g_a, self.g_b, self.d_a, self.d_b = build(torch)  # g_a: A → B, d_a judges B
        self.lambda_cycle = lambda_cycle
        self.lambda_identity = lambda_identity
        self.pool_a = ImagePool(torch)  # fakes of domain A, for d_b
        self.pool_b = ImagePool(torch)
        adam = dict(lr=2e-4, betas=(0.5, 0.999))
        self.opt_g = torch.optim.Adam(
            itertools.chain(self.g_a.parameters(), self.g_b.parameters()), **adam)
        self.opt_d = torch.optim.Adam(
            itertools.chain(self.d_a.parameters(), self.d_b.parameters()), **adam)
        self.mse = torch.nn.MSELoss()
        self.l1 = torch.nn.L1Loss()

    def lsgan(self, prediction, is_real):
        target = self.torch.full_like(prediction, 1.0 if is_real else 0.0)
        return self.mse(prediction, target)

    def requires_grad(self, nets, flag):
        for net in nets:
            for p in net.parameters():
                p.requires_grad = flag

    def __call__(self, real_a, real_b):
        fake_b = self.g_a(real_a)
        rec_a = self.g_b(fake_b)
        fake_a = self.g_b(real_b)
        rec_b = self.g_a(fake_a)

        self.requires_grad([self.d_a, self.d_b], False)
        self.opt_g.zero_grad()
        lambda_idt = self.lambda_cycle * self.lambda_identity
        loss_idt = (self.l1(self.g_a(real_b), real_b) + self.l1(self.g_b(real_a), real_a))
        loss_g = (
            self.lsgan(self.d_a(fake_b), True) + self.lsgan(self.d_b(fake_a), True)
            + self.lambda_cycle * (self.l1(rec_a, real_a) + self.l1(rec_b, real_b))
            + lambda_idt * loss_idt
        )
        loss_g.backward()
        self.opt_g.step()

        self.requires_grad([self.d_a, self.d_b], True)
        self.opt_d.zero_grad()
        pooled_b = self.pool_b.query(fake_b)
        loss_d_a = 0.5 * (self.lsgan(self.d_a(real_b), True)
                          + self.lsgan(self.d_a(pooled_b.detach()), False))
        loss_d_a.backward()
        pooled_a = self.pool_a.query(fake_a)
        loss_d_b = 0.5 * (self.lsgan(self.d_b(real_a), True)
                          + self.lsgan(self.d_b(pooled_a.detach()), False))
        loss_d_b.backward()
        self.opt_d.step()
        return float(loss_g.detach()), float(loss_d_a.detach()), float(loss_d_b.detach())


def pin(cores):
    if cores and hasattr(os, "sched_setaffinity"):
        available = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, available[:cores])


def main():
    args = parse_args()
    pin(args.cores)
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    random.seed(0)
    for size in args.sizes:
        step = ReferenceStep(torch)
        g_params = sum(p.numel() for p in step.g_a.parameters())
        d_params = sum(p.numel() for p in step.d_a.parameters())
        print(f"# parameters: G {g_params:,}  D {d_params:,}", file=sys.stderr)
        generator = torch.Generator().manual_seed(size)
        real_a = torch.rand(1, 3, size, size, generator=generator) * 2 - 1
        real_b = torch.rand(1, 3, size, size, generator=generator) * 2 - 1
        if args.channels_last:
            for net in (step.g_a, step.g_b, step.d_a, step.d_b):
                net.to(memory_format=torch.channels_last)
            real_a = real_a.contiguous(memory_format=torch.channels_last)
            real_b = real_b.contiguous(memory_format=torch.channels_last)
        start = time.perf_counter()
        for _ in range(args.warmup):
            step(real_a, real_b)
        warmup_seconds = time.perf_counter() - start
        times, cpu = [], []
        for _ in range(args.steps):
            t0, c0 = time.perf_counter(), time.process_time()
            losses = step(real_a, real_b)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        total = sum(times)
        times.sort()
        print(json.dumps({
            "implementation": "pytorch-reference",
            "torch": torch.__version__,
            "image_size": size,
            "batch_size": 1,
            "threads": args.threads,
            "cpus_available": len(os.sched_getaffinity(0)),
            "channels_last": args.channels_last,
            "generator_parameters": g_params,
            "discriminator_parameters": d_params,
            "steps": args.steps,
            "images_per_second": args.steps / total,
            "median_step_seconds": times[len(times) // 2],
            "min_step_seconds": times[0],
            "cpu_seconds_per_step": sum(cpu) / len(cpu),
            "warmup_seconds": warmup_seconds,
            "finite": all(v == v for v in losses),
        }), flush=True)


if __name__ == "__main__":
    main()
