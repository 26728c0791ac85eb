#!/usr/bin/env python3
"""The lesson's DCGAN on FashionMNIST (PyTorch), with GAN Studio's logger added.

The lines marked `# GAN Studio` are all it takes; the rest is the seed lesson's loop, unchanged
in substance. Run it, then open the Runs view in VS Code (GAN Studio): the run appears while it
trains, with live curves, the grid timeline, the inspector, A/B and compare.

    python3 gan_studio_example.py                       # the lesson: 20 epochs, batch 128
    python3 gan_studio_example.py --epochs 1 --subset 6400 --width 32   # a few minutes on a CPU

FashionMNIST is read from --data (a folder with train-images-idx3-ubyte.gz; Debian's
dataset-fashion-mnist installs it in /usr/share/datasets/fashion-mnist) or downloaded with
torchvision when it is installed.
"""
import argparse
import gzip
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

import gan_studio  # GAN Studio: gan_studio.py next to this file


class Generator(nn.Module):
    def __init__(self, n_channels=1, latent_size=100, size=64):
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
    def __init__(self, size=64, n_channels=1):
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


def load_fashion_mnist(folder, subset):
    """Training images as a [N, 1, 32, 32] tensor in [-1, 1]: Resize(32), ToTensor, Normalize(0.5, 0.5)."""
    path = os.path.join(folder, "train-images-idx3-ubyte.gz") if folder else None
    if path and os.path.exists(path):
        with gzip.open(path, "rb") as f:
            raw = f.read()
        n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
        n = min(n, subset or n)
        x = torch.frombuffer(bytearray(raw[16:16 + n * rows * cols]), dtype=torch.uint8).view(n, 1, rows, cols).float() / 255
    else:
        try:
            import torchvision  # noqa: PLC0415 (only when no local copy is given)
        except ImportError:
            raise SystemExit("FashionMNIST not found in %s and torchvision is not installed: pass --data DIR (a folder with train-images-idx3-ubyte.gz; apt-get install dataset-fashion-mnist) or install torchvision." % folder)

        data = torchvision.datasets.FashionMNIST(root="FashionMNIST", train=True, download=True).data
        x = data[: subset or len(data)].unsqueeze(1).float() / 255
    x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
    return (x - 0.5) / 0.5


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="folder with train-images-idx3-ubyte.gz")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.0002)
    ap.add_argument("--width", type=int, default=64, help="the lesson's `size` (64)")
    ap.add_argument("--subset", type=int, default=None, help="train on the first N images only")
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--sample-every", type=int, default=500)
    ap.add_argument("--onnx", action="store_true", help="export G to ONNX at the end of every epoch (for the playground)")
    ap.add_argument("--runs", default=None, help="runs folder (default: $GAN_STUDIO_RUNS or .gan-studio/runs)")
    ap.add_argument("--name", default="pytorch-dcgan")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    latent_size = 100
    images = load_fashion_mnist(args.data, args.subset)
    dataloader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images), batch_size=args.batch_size, shuffle=True)
    n_batches = len(dataloader)

    model_gener = Generator(latent_size=latent_size, size=args.width).to(device)
    model_disc = Discriminator(size=args.width).to(device)
    fixed_noise = torch.randn(64, latent_size, 1, 1, device=device)
    criterion = nn.BCELoss()
    optimizer_disc = torch.optim.Adam(model_disc.parameters(), lr=args.lr, betas=(0.5, 0.999))
    optimizer_gener = torch.optim.Adam(model_gener.parameters(), lr=args.lr, betas=(0.5, 0.999))

    run = gan_studio.init(  # GAN Studio
        name=args.name,
        config={"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr, "betas": (0.5, 0.999), "nz": latent_size, "size": args.width, "seed": args.seed, "subset": args.subset},
        root=args.runs,
        total_steps=args.epochs * n_batches,
        steps_per_epoch=n_batches,
    )
    run.log_real_grid(images[:64])  # GAN Studio
    print("GAN Studio run folder:", run.dir, flush=True)

    iter_ = 0
    for epoch in range(args.epochs):
        for i, (real_images,) in enumerate(dataloader):
            # Discriminator: BCE(D(x), 1) + BCE(D(G(z)), 0)
            model_disc.zero_grad()
            real_images = real_images.to(device)
            BS = real_images.size(0)
            true_labels = torch.ones((BS,), dtype=torch.float, device=device)
            pred_labels = model_disc(real_images).view(-1)
            loss_disc_real = criterion(pred_labels, true_labels)
            loss_disc_real.backward()
            d_x = pred_labels.mean().item()

            noise = torch.randn(BS, latent_size, 1, 1, device=device)
            fake_images = model_gener(noise)
            true_labels = torch.zeros((BS,), dtype=torch.float, device=device)
            pred_labels = model_disc(fake_images.detach()).view(-1)
            loss_disc_fake = criterion(pred_labels, true_labels)
            loss_disc_fake.backward()
            d_g_z1 = pred_labels.mean().item()
            loss_disc = loss_disc_real + loss_disc_fake
            optimizer_disc.step()

            # Generator: BCE(D(G(z)), 1)
            model_gener.zero_grad()
            true_labels = torch.ones((BS,), dtype=torch.float, device=device)
            pred_labels = model_disc(fake_images).view(-1)
            loss_gener = criterion(pred_labels, true_labels)
            loss_gener.backward()
            d_g_z2 = pred_labels.mean().item()
            optimizer_gener.step()

            last = epoch == args.epochs - 1 and i == n_batches - 1
            if i % args.log_every == 0 or last:
                print(f"ep {epoch}; batch {i}/{n_batches}\t Loss D: {loss_disc.item()}\tLoss G: {loss_gener.item()}", flush=True)
                run.log(iter_, loss_d=loss_disc, loss_g=loss_gener, d_x=d_x, d_g_z=d_g_z1, d_g_z2=d_g_z2, epoch=epoch, batch=i)  # GAN Studio

            if iter_ % args.sample_every == 0 or last:
                with torch.no_grad():
                    fake = model_gener(fixed_noise).detach().cpu()
                run.log_grid(iter_, fake, epoch=epoch)  # GAN Studio

            iter_ += 1

        onnx_file = None
        if args.onnx:
            onnx_file = os.path.join(tempfile.gettempdir(), "gan-studio-generator-%d.onnx" % os.getpid())
            model_gener.eval()
            torch.onnx.export(model_gener, fixed_noise[:1], onnx_file, input_names=["z"], output_names=["images"], dynamic_axes={"z": {0: "n"}, "images": {0: "n"}})
            model_gener.train()
        run.checkpoint(iter_, generator_onnx=onnx_file, epoch=epoch + 1, reason="epoch")  # GAN Studio

    run.finish()  # GAN Studio


if __name__ == "__main__":
    main()
