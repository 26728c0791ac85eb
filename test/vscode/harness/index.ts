export {
  installedExtensionPath,
  startCodeServer,
  type CodeServer,
  type CodeServerDirs,
  type CodeServerOptions,
} from './codeServer';
export { runExtensionTests, type ExtensionTestsOptions } from './runExtensionTests';
export {
  activityBarItem,
  launchBrowser,
  openWorkbench,
  outputPanelText,
  runCommand,
  screenshot,
  statusBarText,
  treeRows,
  waitForNotification,
  webviewFrame,
  workbenchUrl,
  type WorkbenchBrowser,
  type WorkbenchUrlOptions,
} from './workbench';
export { codeServerBin, chromiumPath, screenshotDir, keepTempDirs, CODE_SERVER_VERSION } from './env';
export { until } from './wait';
