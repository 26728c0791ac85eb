/**
 * Workspace trust, the parts that need no VS Code: the manifest's declarations, and a trainer that
 * never loads a native backend from its working directory (which may be an untrusted workspace).
 * The end-to-end check in the real VS Code is test/vscode/ui/trust.test.ts.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../../../src/trainer/backend/select';
import { REPO_ROOT, tempDir } from '../helpers';

describe('workspace trust', () => {
  it('package.json: limited support in Restricted Mode; the native backend folder is machine-scoped and restricted', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const trust = pkg.capabilities.untrustedWorkspaces;
    assert.equal(trust.supported, 'limited');
    assert.match(trust.description, /training and native backends wait/);
    assert.deepEqual([...trust.restrictedConfigurations].sort(), ['ganStudio.datasetFolder', 'ganStudio.datasetFolders', 'ganStudio.nativeBackendPath', 'ganStudio.runsRoot']);
    assert.equal(pkg.contributes.configuration.properties['ganStudio.nativeBackendPath'].scope, 'machine');
  });

  it('the trainer does not load a native backend planted in its working directory', async () => {
    const workspace = tempDir();
    const marker = path.join(workspace, 'LOADED');
    const dir = path.join(workspace, 'node_modules', '@tensorflow', 'tfjs-node');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }));
    fs.writeFileSync(path.join(dir, 'index.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x');`);
    const cwd = process.cwd();
    process.chdir(workspace);
    try {
      await assert.rejects(selectBackend('tensorflow', { searchPaths: [] }), /"tensorflow" backend is not available: @tensorflow\/tfjs-node is not installed/);
    } finally {
      process.chdir(cwd);
    }
    assert.ok(!fs.existsSync(marker));
  });
});
