/** Draws a parallel-coordinates layout as SVG (DOM only); a click on a line selects its run. */
import type { ParallelLayout } from '../model/parallel';

const SVG = 'http://www.w3.org/2000/svg';

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Low results blue, high results orange (the chart palette of the theme). */
function colour(t: number | null): string {
  if (t === null) return 'var(--vscode-disabledForeground)';
  return `color-mix(in srgb, var(--vscode-charts-orange) ${Math.round(t * 100)}%, var(--vscode-charts-blue))`;
}

export function renderParallel(layout: ParallelLayout, size: { width: number; height: number }, selected: ReadonlySet<string>, onPick: (key: string) => void): SVGSVGElement {
  const svg = el('svg', { width: size.width, height: size.height, viewBox: `0 0 ${size.width} ${size.height}`, class: 'parallel', role: 'img', 'aria-label': 'Parallel coordinates of config keys and the result' }) as SVGSVGElement;
  const lines = el('g', { class: 'lines' });
  for (const line of layout.lines) {
    if (line.points.length < 2) continue;
    const path = el('polyline', {
      points: line.points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '),
      stroke: colour(line.t),
      class: selected.has(line.key) ? 'line selected' : 'line',
      'data-key': line.key,
    });
    path.append(el('title', {}, line.name));
    path.addEventListener('click', () => onPick(line.key));
    lines.append(path);
  }
  svg.append(lines);
  for (const axis of layout.axes) {
    const g = el('g', { class: 'axis' });
    g.append(el('line', { x1: axis.x, x2: axis.x, y1: axis.ticks.length ? Math.min(...axis.ticks.map((t) => t.y)) : 0, y2: axis.ticks.length ? Math.max(...axis.ticks.map((t) => t.y)) : 0 }));
    g.append(el('text', { x: axis.x, y: 14, 'text-anchor': 'middle', class: 'axis-label' }, `${axis.label}${axis.log ? ' (log)' : ''}`));
    for (const tick of axis.ticks) g.append(el('text', { x: axis.x + 5, y: tick.y + 4, class: 'tick' }, tick.label));
    svg.append(g);
  }
  return svg;
}
