/**
 * A short series of input boxes and quick picks with "step n of m", a Back button and validation
 * as the user types (after the multi-step input of vscode-extension-samples).
 */
import * as vscode from 'vscode';

export const BACK = Symbol('back');

export interface TextStep {
  kind: 'text';
  title: string;
  prompt: string;
  value: string;
  validate: (value: string) => string | undefined;
}

export interface PickStep {
  kind: 'pick';
  title: string;
  placeholder: string;
  items: (vscode.QuickPickItem & { value: string })[];
  value: string;
}

export type Step = TextStep | PickStep;

function textInput(step: TextStep, index: number, total: number): Promise<string | typeof BACK | undefined> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = step.title;
    box.prompt = step.prompt;
    box.value = step.value;
    box.step = index + 1;
    box.totalSteps = total;
    box.ignoreFocusOut = true;
    box.buttons = index > 0 ? [vscode.QuickInputButtons.Back] : [];
    box.validationMessage = step.validate(step.value);
    let settled = false;
    const finish = (value: string | typeof BACK | undefined) => {
      if (settled) return;
      settled = true;
      resolve(value);
      box.dispose();
    };
    box.onDidChangeValue((v) => (box.validationMessage = step.validate(v)));
    box.onDidAccept(() => {
      if (!step.validate(box.value)) finish(box.value);
    });
    box.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && finish(BACK));
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}

function pickInput(step: PickStep, index: number, total: number): Promise<string | typeof BACK | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<PickStep['items'][number]>();
    pick.title = step.title;
    pick.placeholder = step.placeholder;
    pick.items = step.items;
    pick.activeItems = step.items.filter((i) => i.value === step.value);
    pick.step = index + 1;
    pick.totalSteps = total;
    pick.ignoreFocusOut = true;
    pick.buttons = index > 0 ? [vscode.QuickInputButtons.Back] : [];
    let settled = false;
    const finish = (value: string | typeof BACK | undefined) => {
      if (settled) return;
      settled = true;
      resolve(value);
      pick.dispose();
    };
    pick.onDidAccept(() => finish(pick.selectedItems[0]?.value));
    pick.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && finish(BACK));
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}

/** Runs the steps in order; returns every answer, or undefined when the user cancels. */
export async function runSteps(steps: Step[]): Promise<string[] | undefined> {
  const answers = steps.map((s) => s.value);
  let i = 0;
  while (i < steps.length) {
    const step = { ...steps[i], value: answers[i] } as Step;
    const answer = step.kind === 'text' ? await textInput(step, i, steps.length) : await pickInput(step, i, steps.length);
    if (answer === undefined) return undefined;
    if (answer === BACK) {
      i = Math.max(0, i - 1);
      continue;
    }
    answers[i] = answer;
    i += 1;
  }
  return answers;
}
