#!/usr/bin/env python3
"""PyTorch reference timing of one DCGAN training iteration (the seed lesson's loop).

This is a *benchmark*, not a trainer: it measures how many training iterations per second
PyTorch on the CPU reaches for the reference experiment
(/work/shared/reference/reference-experiment.md), so that GAN Studio's TensorFlow.js trainer
can be compared with it.

Model and loop are a faithful copy of the seed notebook:
  * G: ConvT(100->256,k4,s1,p0)+BN+ReLU, ConvT(256->128,k4,s2,p1)+BN+ReLU,
       ConvT(128->64,k4,s2,p1)+BN+ReLU, ConvT(64->1,k4,s2,p1)+Tanh   (no biases)
  * D: Conv(1->64,k4,s2,p1)+LReLU(0.2), Conv(64->128)+BN+LReLU, Conv(128->256)+BN+LReLU,
       Conv(256->1,k4,s1,p0)+Sigmoid                                   (no biases)
  * PyTorch default initialisation (the seed applies no weights_init), BCELoss (mean),
    Adam(lr=2e-4, betas=(0.5, 0.999)) for each network, torch.manual_seed(42).
  * One iteration = D.zero_grad(); BCE(D(real),1).backward(); z~N(0,1); fake=G(z);
    BCE(D(fake.detach()),0).backward(); optD.step(); G.zero_grad(); BCE(D(fake),1).backward();
    optG.step().  (Two separate D forwards on the D step, gradients summed, one Adam step;
    the G step reuses the same fake batch.)

DATA: by default the "real" batches are RANDOM data of the right shape (B,1,32,32), uniform in
[-1, 1] (a fixed pool of 4 batches cycled through), since the convolution cost does not depend on
pixel values.  Pass --data DIR (a folder holding the FashionMNIST train-images-idx3-ubyte.gz) to
use real images instead: they are resized 28->32 bilinearly (32 == CenterCrop(32) no-op) and
normalised to [-1, 1] as in the seed; the loader runs in-process, batches pre-built before timing.

VARIANTS (--variant), all the same computation:
  lesson         the loop exactly as the lesson writes it (zero_grad() keeps zeroed gradient tensors);
  set-to-none    zero_grad(set_to_none=True): no zeroing pass, the first backward writes the gradients;
  channels-last  set-to-none with models and batches in torch.channels_last memory format;
  plain          set-to-none on one fixed real batch (no cycling through the pool).
Timing: --warmup untimed iterations, then --repeats runs of --steps timed iterations each.
Prints ONE JSON line on stdout, e.g.
  {"framework":"pytorch","torch":"1.13.0a0","threads":2,"batch":128,
   "steps_per_sec_median":2.4,"step_ms_median":416.0,"runs":[...],"blas":"BLAS_INFO=generic",...}
"runs" holds one object per repeat: {"steps":K,"seconds":t,"steps_per_sec":K/t,"step_ms":..}.

Run with Debian's interpreter (python3-torch is a Debian package):
  apt-get install -y python3-torch libopenblas0-openmp
  /usr/bin/python3 bench/pytorch_reference.py --threads 2
Without OpenBLAS (i.e. with the reference libblas.so.3) the transposed convolutions of G are
very slow; "blas_lib" in the output names the libblas.so.3 actually mapped into the process.
"""
import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LATENT = 100
FEAT = 64
CHANNELS = 1


class Generator(nn.Module):
    def __init__(self, n_channels=CHANNELS, latent_size=LATENT, size=FEAT):
        super().__init__()
        self.seq = nn.Sequential(
            nn.ConvTranspose2d(latent_size, size * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(size * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(size * 4, size * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(size * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(size * 2, size, 4, 2, 1, bias=False),
            nn.BatchNorm2d(size),
            nn.ReLU(True),
            nn.ConvTranspose2d(size, n_channels, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, x):
        return self.seq(x)


class Discriminator(nn.Module):
    def __init__(self, size=FEAT, n_channels=CHANNELS):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(n_channels, size, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(size, size * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(size * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(size * 2, size * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(size * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(size * 4, 1, 4, 1, 0, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.main(x)


def blas_from_config():
    """What torch.__config__.show() says about BLAS (BLAS_INFO=..., plus any BLAS/MKL lines)."""
    cfg = torch.__config__.show()
    parts = re.findall(r"BLAS_INFO=[^,\s]*", cfg)
    for line in cfg.splitlines():
        if re.search(r"blas|mkl\b|Math Kernel", line, re.I) and "BLAS_INFO" not in line:
            parts.append(line.strip().lstrip("- "))
    return "; ".join(parts) if parts else "unknown"


def blas_libs_mapped():
    """The BLAS shared objects actually mapped into this process (resolved paths)."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1] if line.strip() else ""
                if p.startswith("/") and re.search(r"blas|mkl_rt|libmkl", os.path.basename(p), re.I):
                    libs.add(os.path.realpath(p))
    except OSError:
        pass
    return sorted(libs)


def load_fashion_mnist(folder, batch, n_batches):
    path = os.path.join(folder, "train-images-idx3-ubyte.gz")
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    need = min(n, batch * n_batches)
    x = torch.frombuffer(bytearray(raw[16:16 + need * rows * cols]), dtype=torch.uint8)
    x = x.view(need, 1, rows, cols).float() / 255.0
    x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)  # Resize(32)
    x = (x - 0.5) / 0.5  # Normalize(0.5, 0.5)
    return [x[i:i + batch].contiguous() for i in range(0, need - batch + 1, batch)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=10, help="timed iterations per repeat")
    ap.add_argument("--warmup", type=int, default=3, help="untimed iterations first")
    ap.add_argument("--repeats", type=int, default=5, help="number of timed runs")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--size", type=int, default=FEAT, help="width of both networks (the seed's 64)")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda for a GPU (bench/gpu.sh)")
    ap.add_argument("--variant", default="lesson", choices=["lesson", "set-to-none", "channels-last", "plain"],
                    help="which faithful variant of the loop (see above)")
    ap.add_argument("--data", default=None,
                    help="optional folder with FashionMNIST train-images-idx3-ubyte.gz")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(42)

    dev = torch.device(args.device)
    G, D = Generator(size=args.size).to(dev), Discriminator(size=args.size).to(dev)
    criterion = nn.BCELoss()
    opt_d = torch.optim.Adam(D.parameters(), lr=0.0002, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=0.0002, betas=(0.5, 0.999))

    B = args.batch
    if args.data:
        pool = load_fashion_mnist(args.data, B, 8)
        data_src = "fashion-mnist:" + args.data
    else:
        pool = [torch.rand(B, CHANNELS, 32, 32) * 2 - 1 for _ in range(4)]
        data_src = "random-uniform[-1,1]"
    pool = [x.to(dev) for x in pool]
    set_to_none = args.variant != "lesson"
    if args.variant == "channels-last":
        G = G.to(memory_format=torch.channels_last)
        D = D.to(memory_format=torch.channels_last)
        pool = [x.contiguous(memory_format=torch.channels_last) for x in pool]
    if args.variant == "plain":
        pool = pool[:1]

    it = [0]

    def iteration():
        real_images = pool[it[0] % len(pool)]
        it[0] += 1
        BS = real_images.size(0)
        # ---- D step ----
        D.zero_grad(set_to_none=set_to_none)
        true_labels = torch.ones((BS,), dtype=torch.float, device=dev)
        pred = D(real_images).view(-1)
        loss_real = criterion(pred, true_labels)
        loss_real.backward()
        noise = torch.randn(BS, LATENT, 1, 1, device=dev)
        if args.variant == "channels-last":
            noise = noise.contiguous(memory_format=torch.channels_last)
        fake = G(noise)
        fake_labels = torch.zeros((BS,), dtype=torch.float, device=dev)
        pred = D(fake.detach()).view(-1)
        loss_fake = criterion(pred, fake_labels)
        loss_fake.backward()
        loss_d = loss_real + loss_fake
        opt_d.step()
        # ---- G step ----
        G.zero_grad(set_to_none=set_to_none)
        true_labels = torch.ones((BS,), dtype=torch.float, device=dev)
        pred = D(fake).view(-1)
        loss_g = criterion(pred, true_labels)
        loss_g.backward()
        opt_g.step()
        return loss_d, loss_g

    for _ in range(args.warmup):
        iteration()

    runs = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            loss_d, loss_g = iteration()
        loss_d.item(), loss_g.item()  # waits for the GPU; on the CPU already synchronous
        dt = time.perf_counter() - t0
        runs.append({"steps": args.steps, "seconds": round(dt, 4),
                     "steps_per_sec": round(args.steps / dt, 4),
                     "step_ms": round(1000 * dt / args.steps, 2)})

    sps = statistics.median(r["steps_per_sec"] for r in runs)
    ms = statistics.median(r["step_ms"] for r in runs)
    out = {
        "framework": "pytorch",
        "variant": args.variant,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": B,
        "size": args.size,
        "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
        "steps_per_sec_median": round(sps, 4),
        "step_ms_median": round(ms, 2),
        "runs": runs,
        "blas": blas_from_config(),
        "blas_lib": blas_libs_mapped(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "data": data_src,
        "warmup": args.warmup,
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": sys.version.split()[0],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
