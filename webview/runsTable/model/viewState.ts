/** The runs table's view settings, saved with the webview's state (pure). */
import type { SortSpec } from './table';

export interface TableViewState {
  text: string;
  expression: string;
  sort: SortSpec | null;
  /** Column ids hidden by the user (new columns show by default). */
  hidden: string[];
  grouped: boolean;
  view: 'table' | 'parallel';
  /** The result column the parallel-coordinates view colours by and ends on. */
  parallelResult: string | null;
}

export function defaultTableView(): TableViewState {
  return { text: '', expression: '', sort: { column: 'created', descending: true }, hidden: ['note'], grouped: false, view: 'table', parallelResult: null };
}

export function parseTableView(value: unknown): TableViewState {
  const d = defaultTableView();
  if (!value || typeof value !== 'object') return d;
  const v = value as Partial<TableViewState>;
  return {
    text: typeof v.text === 'string' ? v.text : d.text,
    expression: typeof v.expression === 'string' ? v.expression : d.expression,
    sort: v.sort && typeof v.sort.column === 'string' ? { column: v.sort.column, descending: !!v.sort.descending } : d.sort,
    hidden: Array.isArray(v.hidden) ? v.hidden.filter((x): x is string => typeof x === 'string') : d.hidden,
    grouped: typeof v.grouped === 'boolean' ? v.grouped : d.grouped,
    view: v.view === 'parallel' ? 'parallel' : 'table',
    parallelResult: typeof v.parallelResult === 'string' ? v.parallelResult : null,
  };
}

/** Clicking a header: ascending, then descending, then the same column ascending again. */
export function nextSort(current: SortSpec | null, column: string): SortSpec {
  return current?.column === column && !current.descending ? { column, descending: true } : { column, descending: false };
}
