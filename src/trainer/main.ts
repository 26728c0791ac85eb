/**
 * Entry point of the trainer child process: JSON-RPC over the IPC channel, logs on stdout.
 * Started by the extension host's training controller with child_process.fork.
 */
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { releaseBackend } from './backend/select';
import { serve } from './rpcServer';

if (!process.send) {
  console.error('gan-studio trainer: this is the child process of the VS Code extension; use gan-studio-train for the command line.');
  process.exit(2);
}

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
let exiting = false;
const nativePath = process.env.GAN_STUDIO_NATIVE_PATH;
const server = serve(connection, {
  log: (line) => console.log(line),
  exit: (code) => {
    if (exiting) return;
    exiting = true;
    process.exitCode = code;
    // Let queued IPC messages go out, then close the channel; force the exit if something lingers.
    setImmediate(() => {
      releaseBackend(); // the WebGPU device, if any
      if (process.connected) process.disconnect();
      setTimeout(() => process.exit(code), 3000).unref();
    });
  },
}, { backendSearchPaths: nativePath ? [nativePath] : [] });
process.on('disconnect', () => server.shutdown());
process.on('SIGTERM', () => server.shutdown());
process.on('SIGINT', () => server.shutdown());
connection.listen();
