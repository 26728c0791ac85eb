/**
 * A Jupyter notebook (nbformat 4.5) for one run: loads run.json, metrics.jsonl and any quality
 * records (`quality*.jsonl`, read defensively: their fields are not fixed here) with pandas, plots
 * the curves with matplotlib, shows the sample grids over time and samples new images from the
 * run's generator exported as ONNX, with onnxruntime. Pure: the extension ("Open Run in Notebook")
 * and the CLI (`gan-studio runs notebook`) write what this returns.
 *
 * Paths: the notebook names the run folder and the ONNX model by absolute path and, as a fallback
 * for a copied or synced folder, relative to the notebook.
 */
import * as path from 'node:path';

export const NOTEBOOK_EXTENSION = '.ipynb';

export interface RunNotebookInput {
  runDir: string;
  runId: string;
  runName: string;
  /** Folder the notebook is written to (for the relative fallbacks). */
  notebookDir: string;
  /** generator.onnx of a checkpoint, when one was exported. */
  onnxModel?: { file: string; checkpoint: string; step: number };
}

export interface NotebookCell {
  id: string;
  cell_type: 'markdown' | 'code';
  metadata: Record<string, unknown>;
  source: string[];
  execution_count?: null;
  outputs?: unknown[];
}

export interface Notebook {
  nbformat: 4;
  nbformat_minor: 5;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

/** A Python string literal (JSON's escapes are valid in Python). */
const py = (text: string): string => JSON.stringify(text);

/** A path relative to the notebook, with forward slashes (pathlib accepts them everywhere). */
function relative(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/') || '.';
}

function lines(text: string): string[] {
  const parts = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  return parts.map((line, i) => (i < parts.length - 1 ? `${line}\n` : line));
}

export function buildRunNotebook(input: RunNotebookInput): Notebook {
  let n = 0;
  const cell = (type: 'markdown' | 'code', text: string): NotebookCell => {
    const id = `gan-studio-${++n}`;
    return type === 'code'
      ? { id, cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: lines(text) }
      : { id, cell_type: 'markdown', metadata: {}, source: lines(text) };
  };
  const onnx = input.onnxModel;
  const cells: NotebookCell[] = [
    cell(
      'markdown',
      `
# ${input.runName.replace(/\n/g, ' ')}

GAN Studio run \`${input.runId}\`: its metrics, quality records and sample grids, and new images
from its generator${onnx ? ` (checkpoint \`${onnx.checkpoint}\`, step ${onnx.step}, exported as ONNX)` : ''}.

Needs Python 3 with \`pandas\`, \`matplotlib\`, \`numpy\` and \`onnxruntime\`
(\`pip install pandas matplotlib numpy onnxruntime\`). Written by GAN Studio; run it again
("Open Run in Notebook") to refresh the paths and the exported generator.
`,
    ),
    cell(
      'code',
      `
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def first_existing(*candidates):
    """The first path that exists (absolute as written, then relative to the notebook)."""
    for candidate in candidates:
        if candidate is not None and Path(candidate).exists():
            return Path(candidate)
    return Path(candidates[0])


RUN_DIR = first_existing(${py(input.runDir)}, ${py(relative(input.notebookDir, input.runDir))})
ONNX_MODEL = ${onnx ? `first_existing(${py(onnx.file)}, ${py(relative(input.notebookDir, onnx.file))})` : 'None'}

run = json.loads((RUN_DIR / "run.json").read_text())
print(f"{run['name']} ({run['id']}): {run['status']}, step {run['progress']['step']} of {run['progress']['totalSteps']}")
`,
    ),
    cell('markdown', '## Metrics\n\n`metrics.jsonl` has one record per logged iteration (docs/run-format.md); a torn last line is skipped.'),
    cell(
      'code',
      `
def read_jsonl(file):
    """Records of a JSON Lines file; lines that do not parse are skipped and counted."""
    records, bad = [], 0
    for line in Path(file).read_text().splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            bad += 1
            continue
        if isinstance(record, dict):
            records.append(record)
        else:
            bad += 1
    if bad:
        print(f"{Path(file).name}: skipped {bad} unreadable line(s)")
    return pd.DataFrame.from_records(records)


metrics = read_jsonl(RUN_DIR / "metrics.jsonl")
metrics.tail()
`,
    ),
    cell(
      'code',
      `
fig, (ax_loss, ax_d) = plt.subplots(1, 2, figsize=(12, 4))
for column, label in [("lossD", "D loss"), ("lossG", "G loss")]:
    if column in metrics:
        ax_loss.plot(metrics["step"], metrics[column], label=label)
ax_loss.set_xlabel("iteration")
ax_loss.set_title("Losses")
ax_loss.legend()
for column, label in [("dReal", "D(x)"), ("dFake", "D(G(z)) before D step"), ("dFakeAfter", "D(G(z)) after D step")]:
    if column in metrics:
        ax_d.plot(metrics["step"], metrics[column], label=label)
ax_d.set_xlabel("iteration")
ax_d.set_title("Discriminator outputs")
ax_d.legend()
plt.show()
`,
    ),
    cell('markdown', '## Quality\n\nQuality records (`quality*.jsonl`), where the run has any: every numeric column is plotted against the step.'),
    cell(
      'code',
      `
quality_files = sorted(RUN_DIR.glob("quality*.jsonl"))
quality = {file.stem: read_jsonl(file) for file in quality_files}
if not quality:
    print("This run has no quality records.")
for name, frame in quality.items():
    print(f"{name}: {len(frame)} records, columns {list(frame.columns)}")
    x = "step" if "step" in frame else None
    numeric = [c for c in frame.select_dtypes("number").columns if c not in ("step", "epoch", "batch", "time")]
    if x and numeric and len(frame):
        frame.plot(x=x, y=numeric, subplots=len(numeric) > 1, figsize=(12, 3 * max(1, len(numeric))), title=name)
        plt.show()
    else:
        display(frame.tail())
`,
    ),
    cell('markdown', '## Sample grids over time\n\nG(fixed noise) at up to eight points of the run (`samples/step-*.grid.png`), first to last.'),
    cell(
      'code',
      `
grids = sorted((RUN_DIR / "samples").glob("step-*.grid.png"))
if not grids:
    print("No sample grids yet.")
else:
    picks = [grids[i] for i in sorted(set(np.linspace(0, len(grids) - 1, min(8, len(grids))).round().astype(int)))]
    fig, axes = plt.subplots(1, len(picks), figsize=(3 * len(picks), 3.3), squeeze=False)
    for ax, file in zip(axes[0], picks):
        ax.imshow(plt.imread(file), cmap="gray")
        ax.set_title(file.name.split(".")[0])
        ax.axis("off")
    plt.show()
`,
    ),
    cell(
      'markdown',
      `
## New images from the generator

${onnx ? `\`${relative(input.notebookDir, onnx.file)}\`` : 'The generator exported as ONNX'} takes \`z\` \`[batch, latent]\` (standard normal) and returns
\`image\` \`[batch, channels, 32, 32]\` (1 grey, 3 RGB) in [-1, 1]; pixels are \`(v + 1) / 2\`. BatchNorm uses the running statistics.
`,
    ),
    cell(
      'code',
      `
try:
    import onnxruntime as ort
except ImportError:
    ort = None

if ort is None:
    print("onnxruntime is not installed here: pip install onnxruntime")
elif ONNX_MODEL is None or not ONNX_MODEL.exists():
    print("No ONNX generator here: run GAN Studio: Export Generator (ONNX) on a checkpoint, or gan-studio runs export RUN --format onnx.")
else:
    session = ort.InferenceSession(str(ONNX_MODEL))
    meta = session.get_modelmeta().custom_metadata_map
    latent_size = int(meta["latent_size"])
    z = np.random.default_rng(0).standard_normal((16, latent_size), dtype=np.float32)
    feeds = {"z": z}
    if "classes" in meta:  # a conditional generator: a one-hot class per sample, 0, 1, ... in turn
        classes = int(meta["classes"])
        feeds["label"] = np.eye(classes, dtype=np.float32)[np.arange(16) % classes]
    images = session.run(["image"], feeds)[0]
    fig, axes = plt.subplots(2, 8, figsize=(12, 3.3))
    for ax, image in zip(axes.flat, images):
        pixels = np.clip((np.transpose(image, (1, 2, 0)) + 1) / 2, 0, 1)  # [H, W, channels]
        ax.imshow(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels, cmap="gray", vmin=0, vmax=1)
        ax.axis("off")
    fig.suptitle(f"{meta.get('gan_studio.checkpoint', '')}: 16 new samples")
    plt.show()
`,
    ),
  ];
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python', file_extension: '.py', mimetype: 'text/x-python' },
      ganStudio: { runId: input.runId },
    },
    cells,
  };
}

/** The notebook as Jupyter writes it: JSON with one-space indent and a final newline. */
export function serializeNotebook(notebook: Notebook): string {
  return `${JSON.stringify(notebook, null, 1)}\n`;
}

/** Where "beside the run" puts the notebook: `<runs root>/<run id>.ipynb`. */
export function notebookFileBesideRun(runDir: string): string {
  return path.join(path.dirname(runDir), `${path.basename(runDir)}${NOTEBOOK_EXTENSION}`);
}

export interface NotebookPlan {
  notebookFile: string;
  /** Where the last checkpoint's generator is exported as ONNX; undefined without checkpoints. */
  onnx?: { dir: string; file: string; checkpoint: string; step: number };
}

/**
 * Where a run's notebook and its ONNX generator go: `<run id>.ipynb` beside the run (or in
 * `folder`), and `<run id>-<last checkpoint>-onnx/generator.onnx` next to it.
 */
export function planRunNotebook(runDir: string, checkpoints: readonly { id: string; step: number }[], folder?: string): NotebookPlan {
  const runId = path.basename(runDir);
  const notebookFile = folder ? path.join(folder, `${runId}${NOTEBOOK_EXTENSION}`) : notebookFileBesideRun(runDir);
  const last = checkpoints[checkpoints.length - 1];
  if (!last) return { notebookFile };
  const dir = path.join(path.dirname(notebookFile), `${runId}-${last.id}-onnx`);
  return { notebookFile, onnx: { dir, file: path.join(dir, 'generator.onnx'), checkpoint: last.id, step: last.step } };
}
