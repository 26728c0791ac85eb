/**
 * Colours and fonts of the current VS Code theme, read from the CSS variables VS Code puts on the
 * webview, for what the page draws on canvases (charts, exports). Follows theme changes.
 */

export interface ThemeColors {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  focus: string;
  fontFamily: string;
  fontSize: number;
  highContrast: boolean;
  /** Series colours: VS Code's chart colours. */
  blue: string;
  orange: string;
  green: string;
  red: string;
  purple: string;
  yellow: string;
  /** A key that changes when the theme does. */
  key: string;
}

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

export function readTheme(): ThemeColors {
  const body = document.body.classList;
  const highContrast = body.contains('vscode-high-contrast') || body.contains('vscode-high-contrast-light');
  const light = body.contains('vscode-light') || body.contains('vscode-high-contrast-light');
  const theme: Omit<ThemeColors, 'key'> = {
    foreground: cssVar('--vscode-editor-foreground', cssVar('--vscode-foreground', light ? '#333333' : '#cccccc')),
    muted: cssVar('--vscode-descriptionForeground', light ? '#717171' : '#9d9d9d'),
    grid: cssVar('--vscode-charts-lines', light ? 'rgba(0, 0, 0, 0.12)' : 'rgba(255, 255, 255, 0.12)'),
    background: cssVar('--vscode-editor-background', light ? '#ffffff' : '#1e1e1e'),
    focus: cssVar('--vscode-focusBorder', '#0078d4'),
    fontFamily: cssVar('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(cssVar('--vscode-font-size', '13')) || 13,
    highContrast,
    blue: cssVar('--vscode-charts-blue', '#3794ff'),
    orange: cssVar('--vscode-charts-orange', '#d18616'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    red: cssVar('--vscode-charts-red', '#f14c4c'),
    purple: cssVar('--vscode-charts-purple', '#b180d7'),
    yellow: cssVar('--vscode-charts-yellow', '#cca700'),
  };
  return { ...theme, key: JSON.stringify(theme) };
}

/** Colours of compared runs, in order (the shown run takes the first). */
export function runPalette(t: ThemeColors): string[] {
  return [t.blue, t.orange, t.green, t.purple, t.red, t.yellow, t.foreground, t.muted, t.focus];
}

/** Calls `onChange` when VS Code switches the theme (it changes the body's classes and the variables). */
export function watchTheme(onChange: (theme: ThemeColors) => void): () => void {
  let last = readTheme().key;
  const check = () => {
    const theme = readTheme();
    if (theme.key !== last) {
      last = theme.key;
      onChange(theme);
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  return () => observer.disconnect();
}
