/**
 * Types every webview protocol shares (dashboard, grid inspector, playground): a problem said with
 * its fix, and a run offered in a "compare with" picker. Pure: no vscode, DOM or Node imports.
 */

/** Something that went wrong, and what the user can do about it. */
export interface Problem {
  message: string;
  hint?: string;
}

/** A run offered in a picker (the dashboard's Compare, the inspector's A/B). */
export interface RunChoice<Status extends string = string> {
  /** The run folder: names the run in every message. */
  key: string;
  id: string;
  name: string;
  status: Status;
  /** Training steps done (the dashboard) or of the newest grid (the inspector). */
  steps: number;
  /** Shown under the name; when absent the webview says it from the fields above. */
  description?: string;
}
