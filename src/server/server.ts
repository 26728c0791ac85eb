/** The experiment-file language server: a child process of the extension host, speaking LSP over IPC. */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { listen } from './languageServer';

listen(createConnection(ProposedFeatures.all));
