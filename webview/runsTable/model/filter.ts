/**
 * Filter expressions on the runs table's columns, e.g. `lr < 2e-4 and status = completed`,
 * `tags ~ sweep or not (backend = wasm)`, `name ~ "quick 3"`. A small recursive-descent parser
 * with messages that say where the problem is and what would be valid. Pure.
 *
 *   expr       := and ("or" and)*
 *   and        := unary ("and" unary)*
 *   unary      := "not" unary | "(" expr ")" | comparison
 *   comparison := column op value        op: = != < <= > >= ~ (contains, case-insensitive)
 *   value      := number | "quoted text" | word
 */

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';

export type FilterAst =
  | { kind: 'and' | 'or'; left: FilterAst; right: FilterAst }
  | { kind: 'not'; operand: FilterAst }
  | { kind: 'cmp'; column: string; op: Op; value: string | number };

export class FilterError extends Error {
  constructor(
    message: string,
    /** Character offset in the expression where the problem is. */
    readonly at: number,
  ) {
    super(message);
    this.name = 'FilterError';
  }
}

interface Token {
  kind: 'word' | 'number' | 'string' | 'op' | '(' | ')' | 'end';
  text: string;
  at: number;
}

const OPS: readonly Op[] = ['!=', '<=', '>=', '=', '<', '>', '~'];

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ kind: c, text: c, at: i });
      i++;
      continue;
    }
    const op = OPS.find((o) => input.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op === '=' && input[i + 1] === '=' ? '=' : op, at: i });
      i += op === '=' && input[i + 1] === '=' ? 2 : op.length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = input.indexOf(c, i + 1);
      if (end < 0) throw new FilterError(`The text starting at ${i + 1} has no closing ${c}.`, i);
      tokens.push({ kind: 'string', text: input.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const m = /^[^\s()<>=!~"']+/.exec(input.slice(i));
    if (!m) throw new FilterError(`Unexpected "${c}" at ${i + 1}.`, i);
    const text = m[0];
    const isNum = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text);
    tokens.push({ kind: isNum ? 'number' : 'word', text, at: i });
    i += text.length;
  }
  tokens.push({ kind: 'end', text: '', at: input.length });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not']);

export function parseFilter(input: string): FilterAst | null {
  if (input.trim() === '') return null;
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const isKeyword = (t: Token, k: string) => t.kind === 'word' && t.text.toLowerCase() === k;

  function expr(): FilterAst {
    let left = and();
    while (isKeyword(peek(), 'or')) {
      pos++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  }
  function and(): FilterAst {
    let left = unary();
    while (isKeyword(peek(), 'and')) {
      pos++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  }
  function unary(): FilterAst {
    const t = peek();
    if (isKeyword(t, 'not')) {
      pos++;
      return { kind: 'not', operand: unary() };
    }
    if (t.kind === '(') {
      pos++;
      const inner = expr();
      if (peek().kind !== ')') throw new FilterError(`Expected ")" at ${peek().at + 1} to close the "(" at ${t.at + 1}.`, peek().at);
      pos++;
      return inner;
    }
    return comparison();
  }
  function comparison(): FilterAst {
    const col = peek();
    if (col.kind !== 'word' || KEYWORDS.has(col.text.toLowerCase())) {
      throw new FilterError(
        col.kind === 'end' ? 'The expression ends where a column name was expected, e.g. "lr < 2e-4".' : `Expected a column name at ${col.at + 1}, found "${col.text}".`,
        col.at,
      );
    }
    pos++;
    const op = peek();
    if (op.kind !== 'op') {
      throw new FilterError(`Expected a comparison (=, !=, <, <=, >, >=, ~) after "${col.text}" at ${op.at + 1}${op.kind === 'end' ? '' : `, found "${op.text}"`}.`, op.at);
    }
    pos++;
    const value = peek();
    if (value.kind !== 'word' && value.kind !== 'number' && value.kind !== 'string') {
      throw new FilterError(`Expected a value after "${col.text} ${op.text}" at ${value.at + 1}.`, value.at);
    }
    pos++;
    return { kind: 'cmp', column: col.text, op: op.text as Op, value: value.kind === 'number' ? Number(value.text) : value.text };
  }

  const ast = expr();
  if (peek().kind !== 'end') {
    const t = peek();
    throw new FilterError(`Unexpected "${t.text}" at ${t.at + 1}: join conditions with "and" or "or".`, t.at);
  }
  return ast;
}

/** How a filter sees one row: the value of a column (arrays for tags). */
export type ColumnValue = string | number | boolean | null | readonly string[];

export interface FilterColumns {
  /** The column id a name in an expression means (id, label or alias, case-insensitive), or undefined. */
  resolve(name: string): string | undefined;
  /** Names offered when a name is unknown. */
  names(): string[];
}

function compare(value: ColumnValue, op: Op, target: string | number): boolean {
  if (Array.isArray(value)) {
    const t = String(target).toLowerCase();
    if (op === '~' || op === '=') return value.some((v) => (op === '~' ? v.includes(t) : v === t));
    if (op === '!=') return !value.some((v) => v === t);
    return false;
  }
  if (value === null || value === undefined) return op === '!=';
  if (op === '~') return String(value).toLowerCase().includes(String(target).toLowerCase());
  if (typeof value === 'number' && typeof target === 'number') {
    switch (op) {
      case '=':
        return value === target;
      case '!=':
        return value !== target;
      case '<':
        return value < target;
      case '<=':
        return value <= target;
      case '>':
        return value > target;
      case '>=':
        return value >= target;
    }
  }
  const a = String(value).toLowerCase();
  const b = String(target).toLowerCase();
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/**
 * Turns an expression into a predicate over rows; `get(row, columnId)` reads a cell. Throws
 * FilterError for syntax errors and unknown columns (with the columns that exist).
 */
export function compileFilter<R>(input: string, columns: FilterColumns, get: (row: R, column: string) => ColumnValue): (row: R) => boolean {
  const ast = parseFilter(input);
  if (!ast) return () => true;
  const check = (node: FilterAst): void => {
    if (node.kind === 'cmp') {
      if (!columns.resolve(node.column)) {
        const names = columns.names();
        const near = names.find((n) => n.toLowerCase().startsWith(node.column.toLowerCase().slice(0, 2)));
        throw new FilterError(`Unknown column "${node.column}"${near ? ` — did you mean "${near}"?` : ''} Columns: ${names.join(', ')}.`, input.indexOf(node.column));
      }
    } else if (node.kind === 'not') check(node.operand);
    else {
      check(node.left);
      check(node.right);
    }
  };
  check(ast);
  const evaluate = (node: FilterAst, row: R): boolean => {
    switch (node.kind) {
      case 'and':
        return evaluate(node.left, row) && evaluate(node.right, row);
      case 'or':
        return evaluate(node.left, row) || evaluate(node.right, row);
      case 'not':
        return !evaluate(node.operand, row);
      case 'cmp':
        return compare(get(row, columns.resolve(node.column)!), node.op, node.value);
    }
  };
  return (row) => evaluate(ast, row);
}
