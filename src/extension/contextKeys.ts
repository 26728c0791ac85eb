/** Context keys that `when` clauses use to show commands only where they make sense. */
import * as vscode from 'vscode';
import type { RunStore } from './runs/runStore';
import type { TrainingController } from './training/trainingController';
import { DisposableStore } from './util/disposable';

export function trackContextKeys(store: RunStore, controller: TrainingController): vscode.Disposable {
  const disposables = new DisposableStore();
  const set = (key: string, value: boolean) => void vscode.commands.executeCommand('setContext', key, value);
  const update = () => {
    const active = controller.active.filter((r) => !r.ended);
    set('ganStudio.isTraining', active.length > 0);
    set('ganStudio.hasPausedRun', active.some((r) => r.paused));
    set('ganStudio.hasRuns', store.list().length > 0);
  };
  disposables.add(store.onDidChange(update));
  disposables.add(
    controller.onDidStart((run) => {
      const sub = run.onDidChange(update);
      void run.done.then(() => sub.dispose());
      update();
    }),
  );
  disposables.add(controller.onDidEnd(update));
  update();
  return { dispose: () => void disposables.dispose() };
}
