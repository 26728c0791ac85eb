/**
 * The dashboard's HTML: a strict Content-Security-Policy (nothing but the extension's own bundle,
 * its stylesheets and fonts, and images from the webview's resource roots; scripts and styles
 * only with this page's nonce), then the bundle. Pure.
 */
import { randomBytes } from 'node:crypto';

export interface DashboardHtmlParts {
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
  /** The run shown; the webview saves it in its state before anything else. */
  runDir: string;
  title: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} blob:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function dashboardHtml(p: DashboardHtmlParts): string {
  const n = escapeHtml(p.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(p.cspSource, p.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link id="vscode-codicon-stylesheet" rel="stylesheet" href="${escapeHtml(p.codiconUri)}" nonce="${n}">
  <link rel="stylesheet" href="${escapeHtml(p.styleUri)}" nonce="${n}">
  <title>${escapeHtml(p.title)}</title>
</head>
<body data-run-dir="${escapeHtml(p.runDir)}">
  <main id="app" aria-busy="true"><p class="loading">Loading the dashboard…</p></main>
  <script nonce="${n}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}
