"""Tests of the GAN Studio Python logger, without PyTorch (lists and numpy arrays).

Run: python3 -m unittest discover -s python
"""

import json
import os
import shutil
import struct
import sys
import tempfile
import unittest
import warnings
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gan_studio  # noqa: E402

try:
    import numpy
except ImportError:  # the list tests still run
    numpy = None


def decode_png(data):
    """(width, height, pixels, text) of an 8-bit grayscale PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, text = 8, b"", {}
    width = height = 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, "bad CRC in %r" % kind
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert (depth, color) == (8, 0)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"tEXt":
            key, value = body.split(b"\x00", 1)
            text[key.decode("latin-1")] = value.decode("latin-1")
        offset += 12 + length
    raw = zlib.decompress(idat)
    pixels = bytearray()
    for y in range(height):
        row = raw[y * (width + 1):(y + 1) * (width + 1)]
        assert row[0] == 0, "only filter type 0 is expected here"
        pixels += row[1:]
    return width, height, bytes(pixels), text


def batch_as_lists(n, size, value_of):
    return [[[[value_of(i, y, x) for x in range(size)] for y in range(size)]] for i in range(n)]


class GridTest(unittest.TestCase):
    def test_layout_matches_make_grid(self):
        # 64 images of 32x32: 8 per row, 2 pixels of padding, 274x274 (docs/run-format.md).
        images = batch_as_lists(64, 32, lambda i, y, x: -1.0 if i == 0 else 1.0)
        width, height, pixels, count, size = gan_studio.make_grid_pixels(images)
        self.assertEqual((width, height, count, size), (274, 274, 64, 32))
        self.assertEqual(pixels[0], 0)  # padding is black
        self.assertEqual(pixels[2 * 274 + 2], 0)  # image 0 is the minimum
        self.assertEqual(pixels[2 * 274 + 2 + 34], 255)  # image 1, one cell to the right
        self.assertEqual(pixels[(2 + 34) * 274 + 2], 255)  # image 8 starts the second row

    def test_partial_last_row_and_min_max_rounding(self):
        images = batch_as_lists(10, 2, lambda i, y, x: i / 9.0)  # [0, 1]: same grid as [-1, 1]
        width, height, pixels, count, size = gan_studio.make_grid_pixels(images)
        self.assertEqual((width, height), (8 * 4 + 2, 2 * 4 + 2))
        # image 9 (value 1.0) is the second of row 2; image 4 is 4/9 -> floor(4/9*255+0.5) = 113
        self.assertEqual(pixels[(2 + 4) * width + 2 + 4], 255)
        self.assertEqual(pixels[2 * width + 2 + 4 * 4], 113)
        shifted = batch_as_lists(10, 2, lambda i, y, x: i / 9.0 * 2 - 1)
        self.assertEqual(gan_studio.make_grid_pixels(shifted)[2], pixels)

    def test_three_dimensional_batches_and_channels(self):
        no_channel = [[[0.0, 1.0], [1.0, 0.0]]]
        self.assertEqual(gan_studio.make_grid_pixels(no_channel)[:2], (6, 6))
        rgb = [[[[0.0, 0.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 0.0]]]]
        _, _, pixels, _, _ = gan_studio.make_grid_pixels(rgb)
        self.assertEqual(pixels[2 * 6 + 2], 255)  # channel mean 2/3 is the maximum
        self.assertEqual(pixels[3 * 6 + 3], 0)  # channel mean 1/3 is the minimum

    def test_rejects_what_is_not_a_batch_of_square_images(self):
        with self.assertRaisesRegex(ValueError, "square"):
            gan_studio.make_grid_pixels([[[[0.0, 1.0, 2.0]]]])
        with self.assertRaisesRegex(ValueError, "N x C x H x W"):
            gan_studio.make_grid_pixels([1.0, 2.0])
        with self.assertRaisesRegex(ValueError, "ragged"):
            gan_studio.make_grid_pixels([[[[0.0, 1.0], [0.0]]]])

    @unittest.skipIf(numpy is None, "numpy is not installed")
    def test_numpy_gives_the_same_pixels_as_lists(self):
        rng = numpy.random.default_rng(1)
        batch = rng.uniform(-1, 1, size=(12, 1, 6, 6))
        self.assertEqual(gan_studio.make_grid_pixels(batch), gan_studio.make_grid_pixels(batch.tolist()))

    def test_png_round_trips_unfiltered(self):
        pixels = bytes(range(12))
        png = gan_studio.encode_gray_png(4, 3, pixels, {"Step": "7"})
        self.assertEqual(decode_png(png), (4, 3, pixels, {"Step": "7"}))


class RunTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="gan-studio-py-")
        self.addCleanup(shutil.rmtree, self.root, True)

    def manifest(self, run):
        with open(os.path.join(run.dir, "run.json")) as f:
            return json.load(f)

    def test_a_run_folder_in_the_run_format(self):
        run = gan_studio.init(name="My DCGAN", config={"batch_size": 16, "lr": 1e-3, "betas": (0.5, 0.99), "nz": 8, "note": object()}, root=self.root, total_steps=4, steps_per_epoch=2)
        self.addCleanup(run.finish)
        m = self.manifest(run)
        self.assertRegex(m["id"], r"^\d{8}-\d{6}-my-dcgan-[0-9a-f]{4}$")
        self.assertEqual(os.path.basename(run.dir), m["id"])
        self.assertEqual(m["status"], "running")
        self.assertEqual(m["pid"], os.getpid())
        self.assertEqual(m["external"]["language"], "python")
        self.assertEqual((m["config"]["batchSize"], m["config"]["learningRate"], m["config"]["beta2"], m["config"]["latentSize"]), (16, 1e-3, 0.99, 8))
        self.assertEqual(m["external"]["userConfig"]["betas"], [0.5, 0.99])
        self.assertIsInstance(m["external"]["userConfig"]["note"], str)

        for step in range(4):
            run.log(step, loss_d=1.5 - step * 0.1, loss_g=0.7, d_x=0.6, d_g_z=0.4)
        images = batch_as_lists(16, 8, lambda i, y, x: (i + x) / 30.0)
        run.log_grid(3, images)
        run.log_real_grid(images)
        run.finish()

        m = self.manifest(run)
        self.assertEqual(m["status"], "completed")
        self.assertIsNone(m["pid"])
        self.assertEqual(m["progress"]["step"], 4)
        self.assertEqual(m["progress"]["totalSteps"], 4)
        self.assertEqual(m["lastMetrics"]["step"], 3)
        self.assertEqual(m["samples"], [{"step": 3, "epoch": 1, "file": "samples/step-000003.grid.png", "time": m["samples"][0]["time"]}])
        self.assertEqual(m["config"]["sampleCount"], 16)
        self.assertEqual((m["external"]["imageSize"], m["external"]["realCount"]), (8, 16))
        with open(os.path.join(run.dir, "metrics.jsonl")) as f:
            records = [json.loads(line) for line in f]
        self.assertEqual([r["step"] for r in records], [0, 1, 2, 3])
        self.assertEqual([(r["epoch"], r["batch"]) for r in records], [(0, 0), (0, 1), (1, 0), (1, 1)])
        self.assertAlmostEqual(records[1]["lossD"], 1.4)
        self.assertEqual(records[3]["dFakeAfter"], 0.4)
        with open(os.path.join(run.dir, "samples", "step-000003.grid.png"), "rb") as f:
            width, height, _, text = decode_png(f.read())
        self.assertEqual((width, height), (8 * 10 + 2, 2 * 10 + 2))
        self.assertEqual((text["Step"], text["Epoch"], text["Run"]), ("3", "1", m["id"]))
        self.assertEqual([n for n in os.listdir(run.dir) if n.startswith(".")], [])

    @unittest.skipIf(numpy is None, "numpy is not installed")
    def test_numpy_scalars_and_batches(self):
        run = gan_studio.init(name="np", root=self.root)
        run.log(0, loss_d=numpy.float32(1.25), loss_g=numpy.float64(0.5))
        run.log_grid(0, numpy.zeros((4, 1, 4, 4)))
        run.finish()
        m = self.manifest(run)
        self.assertEqual(m["lastMetrics"]["lossD"], 1.25)
        self.assertEqual(len(m["samples"]), 1)

    def test_checkpoint_copies_the_onnx_generator(self):
        onnx = os.path.join(self.root, "g.onnx")
        with open(onnx, "wb") as f:
            f.write(b"not really onnx")
        run = gan_studio.init(name="ckpt", root=self.root)
        run.checkpoint(10, generator_onnx=onnx, epoch=0)
        run.finish()
        m = self.manifest(run)
        self.assertEqual([c["id"] for c in m["checkpoints"]], ["step-000010"])
        folder = os.path.join(run.dir, "checkpoints", "step-000010")
        with open(os.path.join(folder, "checkpoint.json")) as f:
            ckpt = json.load(f)
        self.assertEqual(ckpt["generator"], {"format": "onnx", "file": "generator.onnx", "latentSize": 100})
        with open(os.path.join(folder, "generator.onnx"), "rb") as f:
            self.assertEqual(f.read(), b"not really onnx")

    def test_errors_become_one_warning_and_never_raise(self):
        run = gan_studio.init(name="bad", root=self.root)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run.log_grid(0, [[[[0.0, 1.0, 2.0]]]])  # not square
            run.log_grid(1, "not images")
            run.checkpoint(2, generator_onnx=os.path.join(self.root, "missing.onnx"))
        run.finish()
        messages = [str(w.message) for w in caught]
        self.assertEqual(len(messages), 2, messages)
        self.assertIn("log_grid failed", messages[0])
        self.assertIn("checkpoint failed", messages[1])
        self.assertEqual(self.manifest(run)["status"], "completed")

    def test_heartbeat_rewrites_the_manifest(self):
        run = gan_studio.init(name="hb", root=self.root, heartbeat_sec=0.05)
        first = self.manifest(run)["updatedAt"]
        for _ in range(100):
            run._thread.join(0.02)
            if self.manifest(run)["updatedAt"] != first:
                break
        self.assertNotEqual(self.manifest(run)["updatedAt"], first)
        run.finish()

    def test_default_root_is_the_nearest_gan_studio_folder_up(self):
        os.makedirs(os.path.join(self.root, ".gan-studio"))
        deep = os.path.join(self.root, "src", "models")
        os.makedirs(deep)
        saved = os.environ.pop("GAN_STUDIO_RUNS", None)
        try:
            self.assertEqual(gan_studio.default_root(deep), os.path.join(self.root, ".gan-studio", "runs"))
            os.environ["GAN_STUDIO_RUNS"] = "/elsewhere"
            self.assertEqual(gan_studio.default_root(deep), "/elsewhere")
        finally:
            os.environ.pop("GAN_STUDIO_RUNS", None)
            if saved is not None:
                os.environ["GAN_STUDIO_RUNS"] = saved

    def test_exit_without_finish(self):
        run = gan_studio.init(name="exit", root=self.root, total_steps=10)
        run.log(2, loss_d=1.0, loss_g=1.0)
        run._at_exit()
        self.assertEqual(self.manifest(run)["status"], "stopped")
        run2 = gan_studio.init(name="crash", root=self.root)
        run2._exception = (ValueError, ValueError("boom"))
        run2._at_exit()
        m = self.manifest(run2)
        self.assertEqual((m["status"], m["error"]["message"]), ("failed", "ValueError: boom"))


if __name__ == "__main__":
    unittest.main()
