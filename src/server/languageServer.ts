/** LSP wiring for experiment files: the features of experimentService.ts on a connection. */
import {
  CodeLens,
  CompletionItemKind,
  Connection,
  DiagnosticSeverity,
  InsertTextFormat,
  MarkupKind,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { complete, diagnose, hover, Severity, TextRange, trainLenses } from './experimentService';

/** The client-side command the lens runs (registered by the extension). */
export const TRAIN_EXPERIMENT_COMMAND = 'ganStudio.trainGan';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

export function listen(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const range = (doc: TextDocument, r: TextRange) => ({ start: doc.positionAt(r.offset), end: doc.positionAt(r.offset + r.length) });

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['"', ':'] },
      codeLensProvider: { resolveProvider: false },
    },
  }));

  const validate = (doc: TextDocument) =>
    void connection.sendDiagnostics({
      uri: doc.uri,
      diagnostics: diagnose(doc.getText()).map((p) => ({ range: range(doc, p.range), severity: SEVERITY[p.severity], message: p.message, source: 'GAN Studio' })),
    });
  documents.onDidChangeContent((e) => validate(e.document));
  documents.onDidClose((e) => void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] }));

  connection.onHover(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    const h = doc && hover(doc.getText(), doc.offsetAt(position));
    return h && doc ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: range(doc, h.range) } : null;
  });

  connection.onCompletion(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    return complete(doc.getText(), doc.offsetAt(position)).map((c) => ({
      label: c.label,
      kind: c.kind === 'property' ? CompletionItemKind.Property : CompletionItemKind.Value,
      insertText: c.insertText,
      insertTextFormat: c.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
      detail: c.detail,
      documentation: c.documentation,
    }));
  });

  connection.onCodeLens(({ textDocument }): CodeLens[] => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return trainLenses(doc.getText()).map((lens) => ({
      range: top,
      command: lens.train
        ? { title: lens.title, command: TRAIN_EXPERIMENT_COMMAND, arguments: [{ experimentFile: textDocument.uri }] }
        : { title: lens.title, command: '', tooltip: lens.tooltip },
    }));
  });

  documents.listen(connection);
  connection.listen();
}
