/**
 * The HTML page of a GAN Studio webview (dashboard, grid inspector, playground): a strict
 * Content-Security-Policy — scripts and styles only from the extension with this page's nonce,
 * images only from the webview's resource roots — then the bundle built from
 * `webview/<name>/main.ts`. Pure (no vscode import).
 */
import { randomBytes } from 'node:crypto';

export interface WebviewPageParts {
  /** `webview.cspSource`. */
  cspSource: string;
  nonce: string;
  title: string;
  /** dist/webview/<name>.js, dist/webview/<name>.css and the codicon stylesheet, as webview URIs. */
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
  /** Shown until the script has started. */
  loadingText: string;
  /** `data-*` attributes of the body (name without `data-`), for the script to read first. */
  bodyData?: Record<string, string>;
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
    `img-src ${cspSource} blob: data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function webviewPage(p: WebviewPageParts): string {
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
<body${Object.entries(p.bodyData ?? {})
    .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
    .join('')}>
  <main id="app" aria-busy="true"><p class="loading">${escapeHtml(p.loadingText)}</p></main>
  <script nonce="${n}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}
