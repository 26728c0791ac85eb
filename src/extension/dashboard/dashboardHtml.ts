/**
 * The dashboard's HTML: the shared webview page (strict Content-Security-Policy, the bundle with
 * this page's nonce) with the run shown on its body. Pure.
 */
import { webviewPage } from '../webviewHtml';

export { contentSecurityPolicy, makeNonce } from '../webviewHtml';

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

export function dashboardHtml(p: DashboardHtmlParts): string {
  const { runDir, ...parts } = p;
  return webviewPage({ ...parts, loadingText: 'Loading the dashboard…', bodyData: { 'run-dir': runDir } });
}
