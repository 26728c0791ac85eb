/**
 * Run-time checks shared by the protocol parsers (`parse…Message`): messages from a webview or a
 * saved state are `unknown` until one of these has looked at them. Pure: no vscode, DOM or Node.
 */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export const isString = (v: unknown): v is string => typeof v === 'string';

/** Whether `v` is one of `choices` (a const tuple such as RUN_ACTIONS). */
export function isOneOf<T extends string>(choices: readonly T[], v: unknown): v is T {
  return (choices as readonly unknown[]).includes(v);
}

/** An array of finite numbers. */
export function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isFiniteNumber);
}

/** Exhaustiveness for a union whose values may still arrive from outside at run time. */
export function unknownType(type: never): undefined {
  void type;
  return undefined;
}
