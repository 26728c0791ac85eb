/**
 * Entry point of the generator child process (dist/generator.js): one checkpoint's generator for
 * the playground and the export, JSON-RPC over the IPC channel (src/protocol/generatorProtocol.ts),
 * log lines on stdout. Started by the extension host with child_process.fork; never imported there.
 */
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { releaseBackend } from '../trainer/backend/select';
import { serveGenerator } from './server';

if (!process.send) {
  console.error('gan-studio generator: this is a child process of the VS Code extension and takes no command line.');
  process.exit(2);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
const nativePath = process.env.GAN_STUDIO_NATIVE_PATH;
const server = serveGenerator(
  connection,
  {
    log: (line) => console.log(line),
    exit: (code) => {
      process.exitCode = code;
      setImmediate(() => {
        releaseBackend(); // the WebGPU device, if any
        if (process.connected) process.disconnect();
        setTimeout(() => process.exit(code), 2000).unref();
      });
    },
  },
  { backendSearchPaths: nativePath ? [nativePath] : [] },
);
// The extension host went away or asked us to terminate: nothing to save, just leave.
process.on('disconnect', () => server.shutdown());
process.on('SIGTERM', () => server.shutdown());
process.on('SIGINT', () => server.shutdown());
connection.listen();
