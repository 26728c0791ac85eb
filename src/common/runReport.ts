/**
 * The run report ("Export Run Report", `gan-studio report RUN_DIR`): one self-contained HTML file
 * (inline CSS, images as data: URIs, curves as inline SVG; it fetches nothing and opens offline)
 * and a Markdown twin whose images (PNG grids, SVG charts) are written into a folder beside it.
 * Both hold the config, the loss curves, the quality table over steps with its chart, the sample
 * grids over time and real vs generated. Pure rendering plus one writer; no `vscode`: the extension
 * and the CLI share it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGE_SIZE } from '../protocol/experimentConfig';
import { GRID_PADDING } from '../protocol/gridLayout';
import type { QualityRecord, QualitySummary } from '../protocol/qualityFormat';
import { MetricRecord, REAL_GRID_FILE, RunManifest, SampleEntry } from '../protocol/runFormat';
import { writeDirAtomic, writeFileAtomic } from './atomicFile';
import { readQuality, readQualitySummary } from './qualityFiles';
import { readMetrics, readRun } from './runReader';

/** Grids shown in "Samples over time" at most (evenly spread, always the first and the last). */
export const REPORT_MAX_GRIDS = 8;
/** Points per curve at most (evenly thinned; the last point is kept). */
const MAX_POINTS = 600;

export class RunReportError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'RunReportError';
  }
}

/** An image of the run: its path relative to the run folder and its bytes. */
interface ReportImage {
  file: string;
  bytes: Buffer;
  width: number;
  height: number;
}

export interface RunReportData {
  runDir: string;
  manifest: RunManifest;
  metrics: MetricRecord[];
  quality: QualityRecord[];
  summary: QualitySummary | undefined;
  grids: { sample: SampleEntry; image: ReportImage }[];
  real: ReportImage | undefined;
}

/** A chart in the report: its file name in the Markdown folder and its SVG. */
export interface ReportChart {
  name: string;
  title: string;
  svg: string;
}

export interface RenderedReport {
  html: string;
  markdown: string;
  /** Files the Markdown references, relative to its folder (`<assetsDirName>/...`). */
  assets: { name: string; data: string | Buffer }[];
}

/** Width and height from a PNG's IHDR chunk, or undefined for anything else. */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.readUInt32BE(0) !== 0x89504e47 || bytes.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function readImage(runDir: string, file: string): ReportImage | undefined {
  try {
    const bytes = fs.readFileSync(path.join(runDir, file));
    const size = pngSize(bytes);
    return size ? { file, bytes, ...size } : undefined;
  } catch {
    return undefined;
  }
}

/** Up to `max` of `items`, evenly spread, with the first and the last. */
export function spread<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(Math.round((i * (items.length - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => items[i]);
}

/** Reads what the report shows; a folder without a readable run.json is refused with the fix. */
export function readRunReportData(runDir: string): RunReportData {
  const run = readRun(runDir);
  if (!run.ok) throw new RunReportError(`${runDir} is not a readable GAN Studio run: ${run.error}`, 'Give a run folder (it holds run.json); `gan-studio runs list` shows the runs.');
  const samples = [...run.manifest.samples].sort((a, b) => a.step - b.step);
  const grids = spread(
    samples.flatMap((sample) => {
      const image = readImage(runDir, sample.file);
      return image ? [{ sample, image }] : [];
    }),
    REPORT_MAX_GRIDS,
  );
  return {
    runDir,
    manifest: run.manifest,
    metrics: readMetrics(runDir).records,
    quality: readQuality(runDir).records,
    summary: readQualitySummary(runDir),
    grids,
    real: readImage(runDir, REAL_GRID_FILE),
  };
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const escapeMd = (text: string): string => text.replace(/([\\|*_`[\]<>])/g, '\\$1');

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || Number.isInteger(v)) return String(Math.round(v * 100) / 100);
  if (a >= 1) return v.toFixed(2);
  if (a >= 0.001) return v.toPrecision(3);
  return v.toExponential(2);
}

/** A tick label: the shortest form of a round number (0.5, 200, 1e-4). */
const tickLabel = (v: number): string => String(Number(v.toPrecision(6)));

function thin<T>(points: readonly T[]): T[] {
  if (points.length <= MAX_POINTS) return [...points];
  const stride = points.length / MAX_POINTS;
  const out: T[] = [];
  for (let i = 0; i < MAX_POINTS - 1; i++) out.push(points[Math.floor(i * stride)]);
  out.push(points[points.length - 1]);
  return out;
}

function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export interface ChartSeries {
  label: string;
  color: string;
  points: [number, number][];
}

/** A line chart as a standalone SVG (no fonts, scripts or links beyond the SVG namespace). */
export function svgLineChart(title: string, xLabel: string, series: ChartSeries[], width = 720, height = 260): string {
  const m = { left: 56, right: 16, top: 28, bottom: 40 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = all.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = all.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const sx = (x: number) => m.left + (x1 === x0 ? w / 2 : ((x - x0) / (x1 - x0)) * w);
  const sy = (y: number) => m.top + h - ((y - y0) / (y1 - y0)) * h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}" font-family="sans-serif" font-size="11">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${m.left}" y="16" font-size="13" font-weight="bold" fill="#222">${escapeHtml(title)}</text>`,
  ];
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${tickLabel(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1, 6)) {
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${m.top + h + 16}" text-anchor="middle" fill="#555">${tickLabel(t)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${m.left + w / 2}" y="${height - 6}" text-anchor="middle" fill="#555">${escapeHtml(xLabel)}</text>`);
  let legendX = m.left + w;
  for (const s of [...series].reverse()) {
    const pts = thin(s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
    if (pts.length === 1) parts.push(`<circle cx="${sx(pts[0][0]).toFixed(1)}" cy="${sy(pts[0][1]).toFixed(1)}" r="3" fill="${s.color}"/>`);
    else if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
    legendX -= 8 + s.label.length * 6.5;
    parts.push(`<rect x="${legendX}" y="8" width="10" height="10" fill="${s.color}"/><text x="${legendX + 14}" y="17" fill="#222">${escapeHtml(s.label)}</text>`);
    legendX -= 18;
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** The report's charts: losses, D outputs and (when evaluated) FID and precision/recall. */
export function reportCharts(data: RunReportData): ReportChart[] {
  const charts: ReportChart[] = [];
  const m = data.metrics;
  if (m.length > 0) {
    charts.push({
      name: 'losses.svg',
      title: 'Losses',
      svg: svgLineChart('Losses', 'step', [
        { label: 'loss D', color: '#1f77b4', points: m.map((r) => [r.step, r.lossD]) },
        { label: 'loss G', color: '#ff7f0e', points: m.map((r) => [r.step, r.lossG]) },
      ]),
    });
    charts.push({
      name: 'd-outputs.svg',
      title: 'D outputs',
      svg: svgLineChart('D outputs', 'step', [
        { label: 'D(x)', color: '#2ca02c', points: m.map((r) => [r.step, r.dReal]) },
        { label: 'D(G(z))', color: '#d62728', points: m.map((r) => [r.step, r.dFake]) },
      ]),
    });
  }
  const q = data.quality.filter((r) => r.source === 'training');
  if (q.length > 0) {
    const label = data.summary?.fidLabel ?? 'FID';
    charts.push({ name: 'fid.svg', title: label, svg: svgLineChart(`${label} (lower is better)`, 'step', [{ label, color: '#9467bd', points: q.map((r) => [r.step, r.fid]) }]) });
    charts.push({
      name: 'precision-recall.svg',
      title: 'Precision, recall and class coverage',
      svg: svgLineChart('Precision, recall and class coverage', 'step', [
        { label: 'precision', color: '#1f77b4', points: q.map((r) => [r.step, r.precision]) },
        { label: 'recall', color: '#ff7f0e', points: q.map((r) => [r.step, r.recall]) },
        { label: 'coverage', color: '#2ca02c', points: q.map((r) => [r.step, r.coverage.entropy]) },
      ]),
    });
  }
  return charts;
}

function configRows(manifest: RunManifest): [string, string][] {
  const config = manifest.external ? { ...manifest.external.userConfig } : (manifest.config as unknown as Record<string, unknown>);
  return Object.entries(config ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}

function overviewRows(data: RunReportData): [string, string][] {
  const { manifest: r } = data;
  const rows: [string, string][] = [
    ['Run', `${r.name} (${r.id})`],
    ['Status', r.status],
    ['Steps', `${r.progress.step} of ${r.progress.totalSteps}`],
    ['Created', r.createdAt],
  ];
  if (r.endedAt) rows.push(['Ended', r.endedAt]);
  if (r.backend) rows.push(['Backend', `${r.backend.name}${r.backend.detail ? ` (${r.backend.detail})` : ''}`]);
  const last = data.metrics[data.metrics.length - 1];
  if (last) rows.push(['Training time', `${Math.round(last.elapsedSec)} s`], ['Last losses', `D ${formatNumber(last.lossD)}, G ${formatNumber(last.lossG)} at step ${last.step}`]);
  const s = data.summary;
  if (s?.best) rows.push([`Best ${s.fidLabel}`, `${formatNumber(s.best.fid)} at step ${s.best.step} (evaluator ${s.evaluator}; not comparable with Inception-FID)`]);
  if (s) rows.push(['Evaluation time', `${Math.round(s.evaluationSec)} s of ${Math.round(s.trainingSec)} s training`]);
  if (s?.alarm) rows.push(['Mode-collapse alarm', `step ${s.alarm.step}: ${s.alarm.reasons.join('; ')}`]);
  return rows;
}

const QUALITY_COLUMNS = ['step', 'source', 'FID', 'KID', 'precision', 'recall', 'coverage', 'min class share', 'samples', 'alarm'];

function qualityRow(r: QualityRecord): string[] {
  return [
    String(r.step),
    r.checkpoint ? `${r.source} ${r.checkpoint}` : r.source,
    formatNumber(r.fid),
    `${formatNumber(r.kid)} ± ${formatNumber(r.kidStd)}`,
    r.precision.toFixed(3),
    r.recall.toFixed(3),
    r.coverage.entropy.toFixed(3),
    r.coverage.minShare.toFixed(3),
    String(r.samples),
    r.alarm ? `yes: ${r.alarmReasons.join('; ')}` : '',
  ];
}

function dataUri(image: ReportImage): string {
  return `data:image/png;base64,${image.bytes.toString('base64')}`;
}

/** The cells of a grid's first row (torchvision make_grid), as the dashboard's strip takes them. */
function firstRow(image: ReportImage, cell: number, count = 8): { x: number; y: number }[] {
  const perRow = Math.floor((image.width - GRID_PADDING) / (cell + GRID_PADDING));
  return Array.from({ length: Math.max(0, Math.min(count, perRow)) }, (_, c) => ({ x: GRID_PADDING + c * (cell + GRID_PADDING), y: GRID_PADDING }));
}

const CSS = `
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 980px; color: #222; background: #fff; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; } th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts svg { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
.grids { display: flex; flex-wrap: wrap; gap: 12px; } figure { margin: 0; } figcaption { font-size: 0.85em; color: #555; text-align: center; }
img.grid { image-rendering: pixelated; width: 264px; height: auto; border: 1px solid #ddd; }
.strip { display: flex; gap: 4px; margin: 4px 0; } .strip span { display: inline-block; image-rendering: pixelated; }
.note { color: #666; font-size: 0.85em; }
`;

/** Renders the report from what readRunReportData read; `assetsDirName` is the Markdown's image folder (relative). */
export function renderRunReport(data: RunReportData, assetsDirName: string, generatedAt = new Date()): RenderedReport {
  const { manifest } = data;
  const charts = reportCharts(data);
  const cell = manifest.external?.imageSize ?? IMAGE_SIZE;
  const latest = data.grids[data.grids.length - 1];
  const quality = data.quality;
  const label = data.summary?.fidLabel ?? 'FID';
  const assets: RenderedReport['assets'] = [];
  const asset = (name: string, bytes: string | Buffer) => {
    assets.push({ name, data: bytes });
    return `${assetsDirName}/${name}`;
  };

  // HTML
  const html: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeHtml(`GAN Studio run report: ${manifest.name}`)}</title>`,
    `<style>${CSS}</style>`,
  ];
  const strip = latest && data.real;
  if (strip) {
    const scale = 2;
    const style = (image: ReportImage, cls: string) =>
      `.strip.${cls} span { background-image: url("${dataUri(image)}"); background-size: ${image.width * scale}px ${image.height * scale}px; width: ${cell * scale}px; height: ${cell * scale}px; }`;
    html.push(`<style>${style(latest.image, 'fake')}\n${style(data.real!, 'real')}</style>`);
  }
  html.push('</head><body>');
  html.push(`<h1>${escapeHtml(manifest.name)}</h1>`, `<p class="note">GAN Studio run report, written ${escapeHtml(generatedAt.toISOString())} from ${escapeHtml(data.runDir)}</p>`);
  const table = (head: string[] | null, rows: string[][], numeric: (c: number) => boolean = () => false) =>
    `<table>${head ? `<thead><tr>${head.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>` : ''}<tbody>${rows
      .map((row) => `<tr>${row.map((c, i) => `<td${numeric(i) ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`)
      .join('\n')}</tbody></table>`;
  html.push('<h2>Overview</h2>', table(null, overviewRows(data)));
  html.push('<h2>Config</h2>', table(['key', 'value'], configRows(manifest)));
  html.push('<h2>Curves</h2>', charts.length ? `<div class="charts">${charts.map((c) => c.svg).join('\n')}</div>` : '<p>No metrics were recorded.</p>');
  html.push(`<h2>Sample quality</h2>`);
  if (quality.length) {
    html.push(`<p class="note">${escapeHtml(label)} is computed on the evaluator's features (${escapeHtml(data.summary?.evaluator ?? quality[0].evaluator)}), not on Inception features: it is not comparable with the FID figures of papers. Lower is better.</p>`);
    html.push(table(QUALITY_COLUMNS.map((c) => (c === 'FID' ? label : c)), quality.map(qualityRow), (i) => i !== 1 && i !== 9));
  } else html.push('<p>This run was not evaluated (Evaluate Checkpoint or <code>gan-studio-eval</code> measures it).</p>');
  html.push('<h2>Samples over time</h2>');
  html.push(
    data.grids.length
      ? `<div class="grids">${data.grids.map((g) => `<figure><img class="grid" alt="${escapeHtml(`Samples at step ${g.sample.step}`)}" src="${dataUri(g.image)}"><figcaption>step ${g.sample.step}</figcaption></figure>`).join('\n')}</div>`
      : '<p>No sample grids were written.</p>',
  );
  html.push('<h2>Real vs generated</h2>');
  if (latest && data.real) {
    html.push(
      `<div class="grids"><figure><img class="grid" alt="Generated images" src="${dataUri(latest.image)}"><figcaption>Generated, step ${latest.sample.step}</figcaption></figure><figure><img class="grid" alt="Real training images" src="${dataUri(data.real)}"><figcaption>Real training images</figcaption></figure></div>`,
    );
    const spans = (image: ReportImage) =>
      firstRow(image, cell)
        .map((p) => `<span style="background-position: -${p.x * 2}px -${p.y * 2}px"></span>`)
        .join('');
    html.push(`<p class="note">8 generated images above 8 real ones:</p><div class="strip fake" aria-label="generated">${spans(latest.image)}</div><div class="strip real" aria-label="real">${spans(data.real)}</div>`);
  } else html.push('<p>The run has no real-images grid or no sample grid.</p>');
  html.push('</body></html>', '');

  // Markdown
  const md: string[] = [`# ${escapeMd(manifest.name)}`, '', `GAN Studio run report, written ${generatedAt.toISOString()} from \`${data.runDir}\`.`, ''];
  const mdTable = (head: string[], rows: string[][]) => [`| ${head.map(escapeMd).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map((c) => escapeMd(c).replace(/\n/g, ' ')).join(' | ')} |`), ''];
  md.push('## Overview', '', ...mdTable(['', ''], overviewRows(data)));
  md.push('## Config', '', ...mdTable(['key', 'value'], configRows(manifest)));
  md.push('## Curves', '');
  if (charts.length) for (const c of charts) md.push(`![${c.title}](${asset(c.name, c.svg)})`, '');
  else md.push('No metrics were recorded.', '');
  md.push('## Sample quality', '');
  if (quality.length) {
    md.push(`${label} is computed on the evaluator's features, not on Inception features: it is not comparable with the FID figures of papers. Lower is better.`, '');
    md.push(...mdTable(QUALITY_COLUMNS.map((c) => (c === 'FID' ? label : c)), quality.map(qualityRow)));
  } else md.push('This run was not evaluated.', '');
  md.push('## Samples over time', '');
  if (data.grids.length) {
    const names = data.grids.map((g) => asset(`samples-step-${String(g.sample.step).padStart(6, '0')}.png`, g.image.bytes));
    md.push(`| ${data.grids.map((g) => `step ${g.sample.step}`).join(' | ')} |`, `|${data.grids.map(() => '---').join('|')}|`, `| ${names.map((n, i) => `![step ${data.grids[i].sample.step}](${n})`).join(' | ')} |`, '');
  } else md.push('No sample grids were written.', '');
  md.push('## Real vs generated', '');
  if (latest && data.real) {
    const fake = assets.find((a) => a.name === `samples-step-${String(latest.sample.step).padStart(6, '0')}.png`) ? `${assetsDirName}/samples-step-${String(latest.sample.step).padStart(6, '0')}.png` : asset('generated.png', latest.image.bytes);
    md.push(`| Generated, step ${latest.sample.step} | Real training images |`, '|---|---|', `| ![generated](${fake}) | ![real](${asset('real.png', data.real.bytes)}) |`, '');
  } else md.push('The run has no real-images grid or no sample grid.', '');

  return { html: html.join('\n'), markdown: md.join('\n'), assets };
}

export interface WrittenReport {
  html: string;
  markdown: string;
  assetsDir: string;
}

/** The default report file of a run: `<run folder>/report.html`. */
export function defaultReportFile(runDir: string): string {
  return path.join(runDir, 'report.html');
}

/**
 * Writes the report of `runDir`: `htmlFile` (any name; `.html` is added when missing), its Markdown
 * twin `<base>.md`, and the Markdown's images in `<base>-files/`, each written atomically.
 */
export function writeRunReport(runDir: string, htmlFile = defaultReportFile(runDir), generatedAt = new Date()): WrittenReport {
  const html = /\.html?$/i.test(htmlFile) ? htmlFile : `${htmlFile}.html`;
  const base = html.replace(/\.html?$/i, '');
  const markdown = `${base}.md`;
  const assetsDir = `${base}-files`;
  const report = renderRunReport(readRunReportData(runDir), path.basename(assetsDir), generatedAt);
  fs.mkdirSync(path.dirname(html), { recursive: true });
  writeDirAtomic(assetsDir, (temp) => {
    for (const a of report.assets) fs.writeFileSync(path.join(temp, a.name), a.data);
  });
  writeFileAtomic(markdown, report.markdown);
  writeFileAtomic(html, report.html);
  return { html, markdown, assetsDir };
}
