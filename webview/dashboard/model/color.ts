/** Colour strings for the charts' canvas: a theme colour with an alpha. Pure. */

/** `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()` or `rgba()` as [r, g, b, a]; undefined otherwise. */
export function parseColor(text: string): [number, number, number, number] | undefined {
  const s = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(s);
  if (hex) {
    let d = hex[1];
    if (d.length === 3 || d.length === 4) d = [...d].map((c) => c + c).join('');
    if (d.length !== 6 && d.length !== 8) return undefined;
    const n = (i: number) => parseInt(d.slice(i, i + 2), 16);
    return [n(0), n(2), n(4), d.length === 8 ? n(6) / 255 : 1];
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(s);
  if (rgb) {
    const a = rgb[4] === undefined ? 1 : rgb[4].endsWith('%') ? Number(rgb[4].slice(0, -1)) / 100 : Number(rgb[4]);
    return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3]), a];
  }
  return undefined;
}

/** The colour with its alpha multiplied by `alpha`, as `rgba()`; unparseable colours come back unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const c = parseColor(color);
  if (!c) return color;
  return `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${+(c[3] * alpha).toFixed(3)})`;
}
