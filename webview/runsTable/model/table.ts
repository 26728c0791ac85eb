/**
 * The runs table's model (pure): which columns there are (every config key that differs between
 * runs, the result figures some run has recorded), reading and formatting cells, text filter,
 * sort, groups of runs that differ only by seed (mean and spread), and export as CSV or Markdown.
 */
import { RESULT_COLUMNS, RunRow } from '../../../src/protocol/runsTableProtocol';
import { formatDuration, formatLoss } from '../../../src/protocol/format';
import { ColumnValue, compileFilter, FilterColumns } from './filter';

export type ColumnKind = 'number' | 'text' | 'tags';

export interface Column {
  id: string;
  label: string;
  kind: ColumnKind;
  group: 'run' | 'config' | 'result';
  /** Other names an expression may use, e.g. "lr" for learningRate. */
  aliases?: string[];
}

/** Short names for config keys in expressions and headers. */
const CONFIG_ALIASES: Record<string, string[]> = {
  learningRate: ['lr'],
  batchSize: ['batch'],
  latentSize: ['latent', 'nz'],
  featureSize: ['width', 'ngf'],
  maxSteps: ['max'],
  trainSubset: ['subset'],
  dataset: ['data'],
  datasetPath: ['folder'],
  channels: ['ch'],
};

const RUN_COLUMNS_BEFORE: Column[] = [
  { id: 'status', label: 'status', kind: 'text', group: 'run' },
  { id: 'name', label: 'name', kind: 'text', group: 'run' },
  { id: 'tags', label: 'tags', kind: 'tags', group: 'run', aliases: ['tag'] },
];
const RUN_COLUMNS_AFTER: Column[] = [
  { id: 'steps', label: 'steps', kind: 'number', group: 'run', aliases: ['step'] },
  { id: 'duration', label: 'duration', kind: 'number', group: 'run', aliases: ['time'] },
  { id: 'backend', label: 'backend', kind: 'text', group: 'run' },
  { id: 'created', label: 'created', kind: 'text', group: 'run', aliases: ['age', 'date'] },
  { id: 'note', label: 'note', kind: 'text', group: 'run', aliases: ['notes'] },
];

/** Config keys whose values are not all the same across `rows` (the name always differs; it has its column). */
export function differingConfigKeys(rows: readonly RunRow[]): string[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row.config)) if (!seen.has(k)) (seen.add(k), keys.push(k));
  return keys.filter((k) => k !== 'name' && new Set(rows.map((r) => JSON.stringify(r.config[k] ?? null))).size > 1);
}

/** Every column the rows can fill: run columns, differing config keys, recorded results. */
export function buildColumns(rows: readonly RunRow[]): Column[] {
  const config = differingConfigKeys(rows).map((k): Column => ({
    id: `config.${k}`,
    label: k,
    kind: rows.some((r) => typeof r.config[k] === 'number') ? 'number' : 'text',
    group: 'config',
    aliases: CONFIG_ALIASES[k],
  }));
  const results = RESULT_COLUMNS.filter((c) => rows.some((r) => typeof r.results[c.id] === 'number')).map(
    (c): Column => ({ id: `result.${c.id}`, label: c.label, kind: 'number', group: 'result', aliases: [c.id] }),
  );
  return [...RUN_COLUMNS_BEFORE, ...config, ...results, ...RUN_COLUMNS_AFTER];
}

export function cellValue(row: RunRow, columnId: string): ColumnValue {
  if (columnId.startsWith('config.')) return row.config[columnId.slice(7)] ?? null;
  if (columnId.startsWith('result.')) return row.results[columnId.slice(7)] ?? null;
  switch (columnId) {
    case 'status':
      return row.status;
    case 'name':
      return row.name;
    case 'tags':
      return row.tags;
    case 'steps':
      return row.steps;
    case 'duration':
      return row.durationSec;
    case 'backend':
      return row.backend;
    case 'created':
      return row.createdAt;
    case 'note':
      return row.note;
    default:
      return null;
  }
}

/** "3m ago", "2h ago", "5d ago". */
export function formatAge(iso: string, now: number): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '–';
  const min = Math.floor(ms / 60000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min}m ago`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

export function formatCell(column: Column, value: ColumnValue, now = Date.now()): string {
  if (value === null || value === undefined) return '–';
  if (Array.isArray(value)) return value.join(', ');
  if (column.id === 'duration') return formatDuration(value as number);
  if (column.id === 'created') return formatAge(String(value), now);
  if (column.group === 'result' && typeof value === 'number') return formatLoss(value);
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(Number(value.toPrecision(4)));
  return String(value);
}

export function filterColumns(columns: readonly Column[]): FilterColumns {
  const byName = new Map<string, string>();
  for (const c of columns) {
    for (const name of [c.id, c.label, ...(c.aliases ?? []), c.id.replace(/^(config|result)\./, '')]) byName.set(name.toLowerCase(), c.id);
  }
  return {
    resolve: (name) => byName.get(name.toLowerCase()),
    names: () => columns.map((c) => c.aliases?.[0] ?? c.label),
  };
}

/** Rows matching the free text (name, id, tags, note, status) and the expression; throws FilterError. */
export function filterRows(rows: readonly RunRow[], columns: readonly Column[], text: string, expression: string): RunRow[] {
  const predicate = compileFilter<RunRow>(expression, filterColumns(columns), cellValue);
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((row) => {
    if (words.length > 0) {
      const hay = [row.name, row.id, row.status, row.note, ...row.tags].join(' ').toLowerCase();
      if (!words.every((w) => hay.includes(w))) return false;
    }
    return predicate(row);
  });
}

export interface SortSpec {
  column: string;
  descending: boolean;
}

/** Sorted copy; missing values last whatever the direction; ties keep the newest first. */
export function sortRows<R>(rows: readonly R[], sort: SortSpec | null, get: (row: R, column: string) => ColumnValue): R[] {
  if (!sort) return [...rows];
  const key = (v: ColumnValue) => (Array.isArray(v) ? v.join(',') : v);
  return rows
    .map((row, index) => ({ row, index, v: key(get(row, sort.column)) }))
    .sort((a, b) => {
      const an = a.v === null || a.v === undefined || a.v === '';
      const bn = b.v === null || b.v === undefined || b.v === '';
      if (an || bn) return an === bn ? a.index - b.index : an ? 1 : -1;
      const c = typeof a.v === 'number' && typeof b.v === 'number' ? a.v - b.v : String(a.v).localeCompare(String(b.v), 'en', { numeric: true });
      return c === 0 ? a.index - b.index : sort.descending ? -c : c;
    })
    .map((x) => x.row);
}

/** Runs that differ only by seed (and name), as one row: the mean and spread of each figure. */
export interface RunGroup {
  key: string;
  rows: RunRow[];
  /** Per numeric column: mean, standard deviation (0 for one run), count of runs with a value. */
  stats: Record<string, { mean: number; sd: number; n: number }>;
}

export function groupKey(row: RunRow): string {
  const { seed: _seed, name: _name, ...rest } = row.config;
  return JSON.stringify(Object.keys(rest).sort().map((k) => [k, rest[k]]));
}

export function groupBySeed(rows: readonly RunRow[], columns: readonly Column[]): RunGroup[] {
  const groups = new Map<string, RunRow[]>();
  for (const row of rows) {
    const k = groupKey(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  const numeric = columns.filter((c) => c.kind === 'number');
  return [...groups.entries()].map(([key, members]) => {
    const stats: RunGroup['stats'] = {};
    for (const c of numeric) {
      const values = members.map((r) => cellValue(r, c.id)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (values.length === 0) continue;
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
      stats[c.id] = { mean, sd, n: values.length };
    }
    return { key, rows: members, stats };
  });
}

/** What a group's cell reads in a column: the mean for numbers, the common value or "n values". */
export function groupCell(group: RunGroup, column: Column): ColumnValue {
  const s = group.stats[column.id];
  // Config values other than the seed are the same within a group: shown as they are.
  if (s && column.group !== 'config') return s.mean;
  if (column.id === 'name') return group.rows[0].name;
  const values = new Set(group.rows.map((r) => JSON.stringify(cellValue(r, column.id))));
  return values.size === 1 ? cellValue(group.rows[0], column.id) : `${values.size} values`;
}

export function formatGroupCell(group: RunGroup, column: Column, now = Date.now()): string {
  if (column.id === 'config.seed' && group.rows.length > 1) return `${new Set(group.rows.map((r) => r.config.seed)).size} seeds`;
  const s = column.group === 'config' ? undefined : group.stats[column.id];
  if (s && group.rows.length > 1) return `${formatCell(column, s.mean, now)} ± ${formatCell(column, s.sd, now)}`;
  return formatCell(column, groupCell(group, column), now);
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV with raw values (numbers unformatted, tags joined by ";"), one line per row. */
export function toCsv(rows: readonly RunRow[], columns: readonly Column[]): string {
  const raw = (v: ColumnValue) => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(';') : String(v));
  return [columns.map((c) => csvField(c.label)).join(','), ...rows.map((r) => columns.map((c) => csvField(raw(cellValue(r, c.id)))).join(','))].join('\n') + '\n';
}

/** A Markdown table with the cells as the table shows them. */
export function toMarkdown(rows: readonly RunRow[], columns: readonly Column[], now = Date.now()): string {
  const esc = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const right = (c: Column) => c.kind === 'number';
  return [
    `| ${columns.map((c) => esc(c.label)).join(' | ')} |`,
    `|${columns.map((c) => (right(c) ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => esc(formatCell(c, cellValue(r, c.id), now))).join(' | ')} |`),
  ].join('\n') + '\n';
}
