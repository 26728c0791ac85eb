"""GAN Studio logger: show your own GAN training loop in GAN Studio (VS Code).

Writes a run folder in GAN Studio's format (docs/run-format.md): run.json, metrics.jsonl, sample
grids as PNGs and, optionally, checkpoints with an ONNX generator. GAN Studio's Runs view,
dashboard, grid inspector, A/B and compare views read that folder while you train.

    import gan_studio
    run = gan_studio.init(name="my-dcgan", config={"batch_size": 128, "lr": 2e-4})
    for step ...:
        run.log(step, loss_d=errD, loss_g=errG, d_x=D_x, d_g_z=D_G_z1, epoch=epoch)
        if step % 500 == 0:
            run.log_grid(step, netG(fixed_noise))
    run.finish()

Standard library only; numpy and PyTorch are used when present (PNGs are written with zlib). Every call is cheap and
never raises into your loop: a problem is reported once as a warning and the run goes on.
"""

import atexit
import datetime
import json
import math
import os
import random
import re
import shutil
import socket
import struct
import sys
import threading
import time
import warnings
import zlib

__all__ = ["init", "Run", "make_grid_pixels", "encode_gray_png", "LOGGER_VERSION"]

LOGGER_VERSION = "1"
FORMAT_VERSION = 1
DEFAULT_ROOT = os.path.join(".gan-studio", "runs")
GRID_COLUMNS = 8
GRID_PADDING = 2

# GAN Studio's reference experiment (src/protocol/experimentConfig.ts): run.json's "config" must be
# a complete, valid GAN Studio config, so the user's own keys are mapped onto it where they match.
_REFERENCE_CONFIG = {
    "name": "reference",
    "preset": "reference",
    "seed": 42,
    "epochs": 20,
    "maxSteps": None,
    "batchSize": 128,
    "learningRate": 0.0002,
    "beta1": 0.5,
    "beta2": 0.999,
    "latentSize": 100,
    "featureSize": 64,
    "trainSubset": None,
    "logEvery": 50,
    "sampleEvery": 500,
    "checkpointEveryEpochs": 1,
    "sampleCount": 64,
    "backend": "auto",
    "loss": "bce",
    "dSteps": 1,
    "learningRateD": None,
    "learningRateG": None,
    "labelSmoothing": 0,
    "instanceNoise": 0,
    "instanceNoiseDecaySteps": None,
    "gEma": 0,
    "spectralNorm": False,
}

# user key -> (GAN Studio key, kind, min, max)
_CONFIG_ALIASES = {
    "seed": ("seed", int, 0, 2 ** 32 - 1),
    "epochs": ("epochs", int, 1, 10000),
    "num_epochs": ("epochs", int, 1, 10000),
    "n_epochs": ("epochs", int, 1, 10000),
    "max_steps": ("maxSteps", int, 1, 10 ** 9),
    "batch_size": ("batchSize", int, 2, 4096),
    "batchsize": ("batchSize", int, 2, 4096),
    "lr": ("learningRate", float, 0, 1),
    "learning_rate": ("learningRate", float, 0, 1),
    "beta1": ("beta1", float, 0, 1),
    "beta2": ("beta2", float, 0, 1),
    "latent_size": ("latentSize", int, 1, 4096),
    "latent_dim": ("latentSize", int, 1, 4096),
    "nz": ("latentSize", int, 1, 4096),
    "feature_size": ("featureSize", int, 1, 1024),
    "size": ("featureSize", int, 1, 1024),
    "ngf": ("featureSize", int, 1, 1024),
    "log_every": ("logEvery", int, 1, 10 ** 9),
    "sample_every": ("sampleEvery", int, 1, 10 ** 9),
    "train_subset": ("trainSubset", int, 1, 60000),
}


def _now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _run_id(name, now=None):
    now = now or datetime.datetime.now()
    slug = re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-")[:24] or "run"
    return "%s-%s-%04x" % (now.strftime("%Y%m%d-%H%M%S"), slug, random.randrange(0xFFFF))


def _to_float(value):
    """A Python float from a number, a numpy scalar or a one-element tensor; None stays None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    value = float(value)
    return value if math.isfinite(value) else None


def _jsonable(value, depth=0):
    """The user's config as plain JSON (tuples to lists, tensors and other objects to numbers or text)."""
    if depth > 8:
        return str(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    if hasattr(value, "item"):
        try:
            return _jsonable(value.item(), depth + 1)
        except Exception:
            pass
    return str(value)


def gan_studio_config(name, user_config):
    """Maps the user's config onto a complete GAN Studio config (unknown keys are kept only in external.userConfig)."""
    config = dict(_REFERENCE_CONFIG)
    config["name"] = name
    for key, value in (user_config or {}).items():
        alias = _CONFIG_ALIASES.get(str(key).lower())
        if key == "betas" and isinstance(value, (list, tuple)) and len(value) == 2:
            for field, v in zip(("beta1", "beta2"), value):
                try:
                    v = float(v)
                    if 0 <= v < 1:
                        config[field] = v
                except (TypeError, ValueError):
                    pass
            continue
        if alias is None:
            continue
        field, kind, low, high = alias
        try:
            v = kind(_to_float(value)) if kind is int else _to_float(value)
        except (TypeError, ValueError):
            continue
        if v is None or not (low <= v <= high) or (kind is int and v != _to_float(value)):
            continue
        if field == "learningRate" and v <= 0:
            continue
        if field in ("beta1", "beta2") and v >= 1:
            continue
        config[field] = v
    return config


# --- Images -------------------------------------------------------------------------------------


def _to_nested(images):
    """(values, shape) from a torch tensor, a numpy array or nested lists; values is a flat list or numpy array."""
    if hasattr(images, "detach"):  # torch.Tensor
        images = images.detach().float().cpu()
        try:
            images = images.numpy()
        except Exception:
            images = images.tolist()
    if hasattr(images, "shape") and hasattr(images, "reshape"):  # numpy
        import numpy as np

        array = np.asarray(images, dtype=np.float64)
        return array, tuple(array.shape)
    shape = []
    probe = images
    while isinstance(probe, (list, tuple)):
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    flat = []

    def walk(x, depth):
        if depth == len(shape):
            flat.append(float(x))
            return
        if not isinstance(x, (list, tuple)) or len(x) != shape[depth]:
            raise ValueError("images are ragged: every image must have the same shape")
        for item in x:
            walk(item, depth + 1)

    walk(images, 0)
    return flat, tuple(shape)


def make_grid_pixels(images, columns=GRID_COLUMNS, padding=GRID_PADDING):
    """torchvision.utils.make_grid(images, nrow=8, padding=2, normalize=True) then save_image's rounding.

    `images`: a batch N x C x H x W (or N x H x W) of square images in any range (usually [-1, 1] or
    [0, 1]), as a torch tensor, numpy array or nested lists. Several channels are averaged into one
    grey level. Returns (width, height, bytes of 8-bit grey pixels, count, image_size).
    """
    values, shape = _to_nested(images)
    if len(shape) == 3:
        shape = (shape[0], 1, shape[1], shape[2])
    if len(shape) != 4 or shape[0] < 1:
        raise ValueError("images must be a batch N x C x H x W (or N x H x W), not shape %s" % (shape,))
    n, c, h, w = shape
    if h != w or h < 1:
        raise ValueError("images must be square, not %dx%d" % (h, w))
    area = h * w
    if hasattr(values, "reshape"):  # numpy
        import numpy as np

        gray = values.reshape(n, c, h, w).mean(axis=1) if c > 1 else values.reshape(n, h, w)
        low, high = float(gray.min()), float(gray.max())
        scale = 1.0 / max(high - low, 1e-5)
        cells = np.clip(np.floor((np.clip(gray, low, high) - low) * scale * 255 + 0.5), 0, 255).astype(np.uint8)
        cells = [cells[i].tobytes() for i in range(n)]
    else:
        if c > 1:
            gray = [sum(values[(i * c + ch) * area + p] for ch in range(c)) / c for i in range(n) for p in range(area)]
        else:
            gray = values
        low, high = min(gray), max(gray)
        scale = 1.0 / max(high - low, 1e-5)
        data = bytes(min(255, max(0, int(math.floor((min(high, max(low, v)) - low) * scale * 255 + 0.5)))) for v in gray)
        cells = [data[i * area:(i + 1) * area] for i in range(n)]
    cols = min(columns, n)
    rows = (n + columns - 1) // columns
    width = cols * (h + padding) + padding
    height = rows * (h + padding) + padding
    pixels = bytearray(width * height)
    for i, cell in enumerate(cells):
        x0 = padding + (i % columns) * (h + padding)
        y0 = padding + (i // columns) * (h + padding)
        for y in range(h):
            start = (y0 + y) * width + x0
            pixels[start:start + w] = cell[y * w:(y + 1) * w]
    return width, height, bytes(pixels), n, h


def _png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_gray_png(width, height, pixels, text=None):
    """An 8-bit grayscale PNG with tEXt chunks, written with zlib and struct.

    Unfiltered rows, exactly as GAN Studio's trainer writes its grids (src/trainer/image/png.ts),
    whose PNG reader decodes only those; Pillow is therefore not used even when installed (its
    adaptive row filters would give files that GAN Studio's reader refuses).
    """
    if len(pixels) != width * height:
        raise ValueError("%d pixels are not %dx%d" % (len(pixels), width, height))
    text = text or {}
    raw = b"".join(b"\x00" + bytes(pixels[y * width:(y + 1) * width]) for y in range(height))
    chunks = [_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))]
    for key, value in text.items():
        chunks.append(_png_chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("latin-1", "replace")))
    chunks.append(_png_chunk(b"IDAT", zlib.compress(raw, 9)))
    chunks.append(_png_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


# --- Files --------------------------------------------------------------------------------------

_temp_counter = [0]


def _temp_name(target):
    _temp_counter[0] += 1
    folder, name = os.path.split(target)
    return os.path.join(folder, ".%s.%d.%d.tmp" % (name, os.getpid(), _temp_counter[0]))


def write_atomic(target, data):
    """Writes to a temporary file in the same folder, then renames it over `target`."""
    temp = _temp_name(target)
    try:
        with open(temp, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
            f.flush()
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def default_root(start=None):
    """$GAN_STUDIO_RUNS, else .gan-studio/runs in the nearest folder up from `start` (the working folder) that has a .gan-studio folder, else in `start`."""
    if os.environ.get("GAN_STUDIO_RUNS"):
        return os.environ["GAN_STUDIO_RUNS"]
    start = os.path.abspath(start or os.getcwd())
    folder = start
    while True:
        if os.path.isdir(os.path.join(folder, ".gan-studio")):
            return os.path.join(folder, DEFAULT_ROOT)
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.join(start, DEFAULT_ROOT)
        folder = parent


def _framework():
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "__version__"):
        return "PyTorch %s" % torch.__version__
    return None


class Run:
    """One run folder. Create it with gan_studio.init(); every method is safe to call from a training loop."""

    def __init__(self, name=None, config=None, root=None, total_steps=None, steps_per_epoch=None, batch_size=None, heartbeat_sec=10.0):
        self._lock = threading.RLock()
        self._warned = set()
        self._finished = False
        self._dirty = False
        self._last_write = 0.0
        self._last_log = None  # (time, step) of the previous log record
        self._t0 = time.time()
        self._exception = None
        self.heartbeat_sec = float(heartbeat_sec)
        if config is not None and not isinstance(config, dict) and hasattr(config, "__dict__"):
            config = vars(config)  # an argparse.Namespace
        user_config = _jsonable(dict(config or {}))
        name = str(name or (config or {}).get("name") or "external")
        gs_config = gan_studio_config(name, config)
        self.batch_size = int(batch_size or gs_config["batchSize"])
        self.total_steps = int(total_steps) if total_steps else None
        self.steps_per_epoch = int(steps_per_epoch) if steps_per_epoch else None
        root = root or default_root()
        os.makedirs(root, exist_ok=True)
        run_id = _run_id(name)
        while os.path.exists(os.path.join(root, run_id)):
            run_id = _run_id(name)
        self.dir = os.path.abspath(os.path.join(root, run_id))
        os.makedirs(os.path.join(self.dir, "samples"))
        os.makedirs(os.path.join(self.dir, "checkpoints"))
        now = _now_iso()
        self.manifest = {
            "formatVersion": FORMAT_VERSION,
            "id": run_id,
            "name": name,
            "status": "running",
            "config": gs_config,
            "backend": None,
            "versions": {"ganStudioLogger": "python %s" % LOGGER_VERSION, "python": sys.version.split()[0], "platform": sys.platform},
            "pid": os.getpid(),
            "hostname": socket.gethostname(),
            "createdAt": now,
            "startedAt": now,
            "updatedAt": now,
            "endedAt": None,
            "progress": {
                "step": 0,
                "epoch": 0,
                "totalSteps": self.total_steps or 0,
                "stepsPerEpoch": self.steps_per_epoch or self.total_steps or 0,
                "imagesPerSec": None,
                "etaSec": None,
                "elapsedSec": 0,
            },
            "lastMetrics": None,
            "samples": [],
            "checkpoints": [],
            "parent": None,
            "error": None,
            "external": {
                "logger": "gan_studio.py",
                "loggerVersion": LOGGER_VERSION,
                "language": "python",
                "framework": _framework(),
                "heartbeatSec": self.heartbeat_sec,
                "imageSize": None,
                "realCount": None,
                "userConfig": user_config,
            },
        }
        self._write_manifest()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._heartbeat, name="gan-studio-heartbeat", daemon=True)
        self._thread.start()
        self._previous_excepthook = sys.excepthook
        sys.excepthook = self._excepthook
        atexit.register(self._at_exit)

    # -- public API (never raises) --

    @property
    def id(self):
        return self.manifest["id"]

    def log(self, step, loss_d=None, loss_g=None, d_x=None, d_g_z=None, d_g_z2=None, epoch=None, batch=None, **extra):
        """Appends one record to metrics.jsonl. `d_x`: mean D(x); `d_g_z`: mean D(G(z)) before the D update; `d_g_z2`: after it."""
        self._safely("log", self._log, step, loss_d, loss_g, d_x, d_g_z, d_g_z2, epoch, batch, extra)

    def log_grid(self, step, images, epoch=None):
        """Writes samples/step-NNNNNN.grid.png from a batch of generated images (N x C x H x W, any range)."""
        self._safely("log_grid", self._log_grid, step, images, epoch)

    def log_real_grid(self, images):
        """Writes samples/real.grid.png from a batch of training images."""
        self._safely("log_real_grid", self._log_real_grid, images)

    def checkpoint(self, step, generator_onnx=None, epoch=None, reason="request"):
        """Records a checkpoint; `generator_onnx`: a file written by torch.onnx.export(G, z, path), copied into the run."""
        self._safely("checkpoint", self._checkpoint, step, generator_onnx, epoch, reason)

    def finish(self, status="completed", error=None):
        """Marks the run as ended: completed, stopped or failed (with `error`, a message)."""
        self._safely("finish", self._finish, status, error)

    # -- internals --

    def _safely(self, what, fn, *args):
        try:
            with self._lock:
                fn(*args)
        except Exception as error:  # never break the user's training loop
            if what not in self._warned:
                self._warned.add(what)
                warnings.warn("gan_studio: %s failed (%s: %s); training goes on, but GAN Studio may not show everything." % (what, type(error).__name__, error), RuntimeWarning, stacklevel=3)

    def _write_manifest(self):
        self.manifest["updatedAt"] = _now_iso()
        write_atomic(os.path.join(self.dir, "run.json"), json.dumps(self.manifest, indent=2, allow_nan=False) + "\n")
        self._last_write = time.monotonic()
        self._dirty = False

    def _save_soon(self):
        """Rewrites run.json at most twice a second; the heartbeat thread writes what is left."""
        if time.monotonic() - self._last_write >= 0.5:
            self._write_manifest()
        else:
            self._dirty = True

    def _heartbeat(self):
        while not self._stop.wait(min(0.5, self.heartbeat_sec)):
            try:
                with self._lock:
                    if self._finished:
                        return
                    if self._dirty or time.monotonic() - self._last_write >= self.heartbeat_sec:
                        self._write_manifest()
            except Exception as error:
                if "heartbeat" not in self._warned:
                    self._warned.add("heartbeat")
                    warnings.warn("gan_studio: cannot write the heartbeat (%s)" % error, RuntimeWarning)

    def _epoch_of(self, step, epoch):
        if epoch is not None:
            return int(epoch)
        if self.steps_per_epoch:
            return step // self.steps_per_epoch
        return self.manifest["progress"]["epoch"]

    def _progress(self, step, epoch, rate=None):
        p = self.manifest["progress"]
        done = step + 1
        p["step"] = max(p["step"], done)
        p["epoch"] = epoch
        p["totalSteps"] = max(self.total_steps or 0, p["step"])
        if self.steps_per_epoch:
            p["stepsPerEpoch"] = self.steps_per_epoch
        elif epoch > 0:
            p["stepsPerEpoch"] = max(1, int(math.ceil(p["step"] / float(epoch + 1))))
        else:
            p["stepsPerEpoch"] = p["totalSteps"]
        p["elapsedSec"] = round(time.time() - self._t0, 3)
        if rate is not None:
            p["imagesPerSec"] = rate
            remaining = p["totalSteps"] - p["step"]
            p["etaSec"] = round(remaining * self.batch_size / rate, 1) if rate > 0 and self.total_steps else None

    def _log(self, step, loss_d, loss_g, d_x, d_g_z, d_g_z2, epoch, batch, extra):
        step = int(step)
        epoch = self._epoch_of(step, epoch)
        now = time.time()
        rate = None
        if self._last_log is not None and step > self._last_log[1] and now > self._last_log[0]:
            rate = round((step - self._last_log[1]) * self.batch_size / (now - self._last_log[0]), 2)
        self._last_log = (now, step)
        if batch is None:
            batch = step - epoch * self.steps_per_epoch if self.steps_per_epoch else step
        record = {
            "step": step,
            "epoch": epoch,
            "batch": int(batch),
            "lossD": _to_float(loss_d),
            "lossG": _to_float(loss_g),
            "dReal": _to_float(d_x),
            "dFake": _to_float(d_g_z),
            "dFakeAfter": _to_float(d_g_z2 if d_g_z2 is not None else d_g_z),
            "imagesPerSec": rate,
            "elapsedSec": round(now - self._t0, 3),
            "time": int(now * 1000),
        }
        if extra:
            record["extra"] = {str(k): _to_float(v) for k, v in extra.items()}
        with open(os.path.join(self.dir, "metrics.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(record, allow_nan=False) + "\n")
        self._progress(step, epoch, rate)
        if record["lossD"] is not None and record["lossG"] is not None:
            self.manifest["lastMetrics"] = {k: record[k] for k in ("step", "lossD", "lossG", "dReal", "dFake")}
        self._save_soon()

    def _grid_png(self, images, text):
        width, height, pixels, count, size = make_grid_pixels(images)
        png = encode_gray_png(width, height, pixels, dict({"Software": "GAN Studio logger (Python)"}, **text))
        return png, count, size

    def _log_grid(self, step, images, epoch):
        step = int(step)
        epoch = self._epoch_of(step, epoch)
        name = "samples/step-%06d.grid.png" % step
        png, count, size = self._grid_png(images, {"Title": "G(fixed noise) after step %d" % step, "Step": str(step), "Epoch": str(epoch), "Run": self.id})
        write_atomic(os.path.join(self.dir, name), png)
        ext = self.manifest["external"]
        ext["imageSize"] = size
        if count <= 256:
            self.manifest["config"]["sampleCount"] = count
        entry = {"step": step, "epoch": epoch, "file": name, "time": _now_iso()}
        samples = [s for s in self.manifest["samples"] if s["step"] != step] + [entry]
        self.manifest["samples"] = sorted(samples, key=lambda s: s["step"])
        self._progress(step, epoch)
        self._write_manifest()

    def _log_real_grid(self, images):
        png, count, size = self._grid_png(images, {"Title": "Training images"})
        write_atomic(os.path.join(self.dir, "samples", "real.grid.png"), png)
        self.manifest["external"]["realCount"] = count
        if self.manifest["external"]["imageSize"] is None:
            self.manifest["external"]["imageSize"] = size
        self._write_manifest()

    def _checkpoint(self, step, generator_onnx, epoch, reason):
        step = int(step)
        epoch = self._epoch_of(step, epoch)
        if reason not in ("epoch", "request", "stop", "final"):
            reason = "request"
        ckpt_id = "step-%06d" % step
        target = os.path.join(self.dir, "checkpoints", ckpt_id)
        temp = os.path.join(self.dir, "checkpoints", ".%s.%d.tmp" % (ckpt_id, os.getpid()))
        if os.path.exists(temp):
            shutil.rmtree(temp)
        os.makedirs(temp)
        generator = None
        if generator_onnx is not None:
            shutil.copyfile(str(generator_onnx), os.path.join(temp, "generator.onnx"))
            generator = {"format": "onnx", "file": "generator.onnx", "latentSize": self.manifest["config"]["latentSize"]}
        now = _now_iso()
        manifest = {
            "formatVersion": FORMAT_VERSION,
            "runId": self.id,
            "id": ckpt_id,
            "step": step,
            "epoch": epoch,
            "reason": reason,
            "time": now,
            "config": self.manifest["config"],
            "datasetSize": 0,
            "rng": [],
            "optimizerSteps": {"G": step, "D": step},
            "elapsedSec": round(time.time() - self._t0, 3),
            "tensors": [],
            "external": True,
            "generator": generator,
        }
        with open(os.path.join(temp, "checkpoint.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(manifest, indent=2) + "\n")
        if os.path.exists(target):
            shutil.rmtree(target)
        os.replace(temp, target)
        entry = {"id": ckpt_id, "step": step, "epoch": epoch, "reason": reason, "time": now}
        if generator is not None:
            entry["generator"] = "onnx"
        entries = [c for c in self.manifest["checkpoints"] if c["id"] != ckpt_id] + [entry]
        self.manifest["checkpoints"] = sorted(entries, key=lambda c: c["step"])
        self._write_manifest()

    def _finish(self, status, error):
        if self._finished:
            return
        if status not in ("completed", "stopped", "failed"):
            status = "failed"
        self._finished = True
        self._stop.set()
        p = self.manifest["progress"]
        p["elapsedSec"] = round(time.time() - self._t0, 3)
        p["etaSec"] = None
        if status == "completed" and not self.total_steps:
            p["totalSteps"] = p["step"]
        self.manifest["status"] = status
        self.manifest["pid"] = None
        self.manifest["endedAt"] = _now_iso()
        if status == "failed":
            message = str(error) if error else "The training script failed."
            self.manifest["error"] = {"message": message, "hint": "See your script's output for the traceback."}
        self._write_manifest()

    def _excepthook(self, kind, value, tb):
        self._exception = (kind, value)
        self._previous_excepthook(kind, value, tb)

    def _at_exit(self):
        """The script ended without finish(): failed after an exception, stopped on Ctrl+C, else completed."""
        if self._finished:
            return
        if self._exception is not None:
            kind, value = self._exception
            if issubclass(kind, KeyboardInterrupt):
                self.finish("stopped")
            else:
                self.finish("failed", "%s: %s" % (kind.__name__, value))
        else:
            p = self.manifest["progress"]
            self.finish("completed" if not self.total_steps or p["step"] >= self.total_steps else "stopped")


def init(name=None, config=None, root=None, total_steps=None, steps_per_epoch=None, batch_size=None, heartbeat_sec=10.0):
    """Creates a run folder under `root` and returns its Run.

    `root` defaults to $GAN_STUDIO_RUNS, else the .gan-studio/runs folder of the nearest parent
    folder that has one (VS Code's workspace, where GAN Studio looks), else ./.gan-studio/runs.

    `config`: your hyperparameters (any JSON-able dict; batch_size, lr, betas, nz, epochs, seed ...
    are recognised). `total_steps` and `steps_per_epoch` give the progress bar and ETA.
    """
    return Run(name=name, config=config, root=root, total_steps=total_steps, steps_per_epoch=steps_per_epoch, batch_size=batch_size, heartbeat_sec=heartbeat_sec)
