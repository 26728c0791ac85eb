/**
 * The runs table page: toolbar (search, expression, group by seed, columns, compare, export, the
 * table / parallel-coordinates switch), the table with sortable headers, selection and editable
 * tags and notes, and the parallel-coordinates view. DOM only; the logic is in ../model.
 */
import type { RunRow, TableHostMessage, TableWebviewMessage } from '../../../src/protocol/runsTableProtocol';
import { h, setChildren } from '../../common/dom';
import { FilterError } from '../model/filter';
import { parallelLayout } from '../model/parallel';
import { buildColumns, cellValue, Column, filterRows, formatCell, formatGroupCell, groupBySeed, RunGroup, sortRows, toCsv, toMarkdown } from '../model/table';
import { nextSort, TableViewState } from '../model/viewState';
import { renderParallel } from './parallelView';

/** Rows drawn at first; "Show all" draws the rest (thousands of rows stay responsive). */
const FIRST_ROWS = 300;

const STATUS_ICONS: Record<string, string> = {
  running: 'sync',
  paused: 'debug-pause',
  completed: 'pass-filled',
  stopped: 'stop-circle',
  failed: 'error',
  interrupted: 'debug-disconnect',
  damaged: 'warning',
};

export interface TableHost {
  send(message: TableWebviewMessage): void;
  saveState(state: TableViewState): void;
}

export class TableApp {
  private rows: RunRow[] = [];
  private columns: Column[] = [];
  private readonly selected = new Set<string>();
  private showAll = false;
  private readonly toolbar = h('div', { class: 'toolbar' });
  private readonly problem = h('div', { class: 'filter-problem', role: 'alert', hidden: true });
  private readonly summary = h('div', { class: 'summary', role: 'status' });
  private readonly body = h('div', { class: 'table-body' });
  private readonly columnsPanel = h('div', { class: 'columns-panel', hidden: true });
  private readonly search = h('vscode-textfield', { placeholder: 'Search name, tags, notes…', class: 'search', 'aria-label': 'Search runs' }) as HTMLElement & { value: string };
  private readonly expression = h('vscode-textfield', { placeholder: 'Filter, e.g. lr < 2e-4 and status = completed', class: 'expression', 'aria-label': 'Filter expression' }) as HTMLElement & { value: string };
  private readonly compareButton = h('vscode-button', { class: 'compare', disabled: true }, 'Open in Compare');

  constructor(
    private readonly root: HTMLElement,
    private readonly host: TableHost,
    private view: TableViewState,
  ) {
    this.search.value = view.text;
    this.expression.value = view.expression;
    this.search.addEventListener('input', () => this.set({ text: this.search.value }));
    this.expression.addEventListener('input', () => this.set({ expression: this.expression.value }));
    this.compareButton.addEventListener('click', () => this.openCompare());
    const button = (label: string, icon: string, cls: string, onClick: () => void) => {
      const b = h('vscode-button', { secondary: true, icon, class: cls }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    setChildren(
      this.toolbar,
      this.search,
      this.expression,
      button('Group by seed', 'layers', 'group-toggle', () => this.set({ grouped: !this.view.grouped })),
      button('Columns', 'list-selection', 'columns-toggle', () => (this.columnsPanel.hidden = !this.columnsPanel.hidden)),
      button('Parallel coordinates', 'graph-line', 'view-toggle', () => this.set({ view: this.view.view === 'table' ? 'parallel' : 'table' })),
      this.compareButton,
      button('CSV', 'export', 'export-csv', () => this.export('csv')),
      button('Markdown', 'markdown', 'export-md', () => this.export('markdown')),
    );
    setChildren(root, this.toolbar, this.problem, this.columnsPanel, this.summary, this.body);
    root.removeAttribute('aria-busy');
  }

  onMessage(message: TableHostMessage): void {
    switch (message.type) {
      case 'rows':
        this.rows = message.rows;
        this.columns = buildColumns(this.rows);
        for (const key of [...this.selected]) if (!this.rows.some((r) => r.key === key)) this.selected.delete(key);
        this.render();
        return;
      case 'exported':
        return;
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  private set(change: Partial<TableViewState>): void {
    this.view = { ...this.view, ...change };
    this.host.saveState(this.view);
    this.render();
  }

  private visibleColumns(): Column[] {
    return this.columns.filter((c) => !this.view.hidden.includes(c.id));
  }

  private shownRows(): RunRow[] | undefined {
    try {
      const rows = filterRows(this.rows, this.columns, this.view.text, this.view.expression);
      this.problem.hidden = true;
      this.expression.removeAttribute('invalid');
      return sortRows(rows, this.view.sort, cellValue);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      this.problem.hidden = false;
      this.problem.textContent = error.message;
      this.expression.setAttribute('invalid', '');
      return undefined;
    }
  }

  render(): void {
    document.body.dataset.view = this.view.view;
    document.body.dataset.grouped = String(this.view.grouped);
    this.renderColumnsPanel();
    const rows = this.shownRows();
    if (!rows) return;
    const groups = this.view.grouped ? groupBySeed(rows, this.columns) : undefined;
    this.summary.textContent =
      `${rows.length.toLocaleString('en-US')} of ${this.rows.length.toLocaleString('en-US')} runs` +
      (groups ? ` in ${groups.length.toLocaleString('en-US')} groups (runs that differ only by seed)` : '') +
      (this.selected.size ? ` · ${this.selected.size} selected` : '');
    this.compareButton.toggleAttribute('disabled', this.selected.size === 0);
    document.body.dataset.rows = String(rows.length);
    if (this.view.view === 'parallel') this.renderParallel(rows);
    else this.renderTable(rows, groups);
  }

  private renderColumnsPanel(): void {
    if (this.columnsPanel.hidden) return;
    setChildren(
      this.columnsPanel,
      ...this.columns.map((c) => {
        const box = h('input', { type: 'checkbox', checked: !this.view.hidden.includes(c.id), 'data-column': c.id });
        box.addEventListener('change', () => this.set({ hidden: box.checked ? this.view.hidden.filter((x) => x !== c.id) : [...this.view.hidden, c.id] }));
        return h('label', { class: `column-choice ${c.group}` }, box, c.label);
      }),
    );
  }

  private header(columns: Column[]): HTMLElement {
    const all = h('input', { type: 'checkbox', 'aria-label': 'Select all shown runs' });
    all.addEventListener('change', () => {
      const rows = this.shownRows() ?? [];
      for (const r of rows) all.checked ? this.selected.add(r.key) : this.selected.delete(r.key);
      this.render();
    });
    return h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { class: 'select' }, all),
        ...columns.map((c) => {
          const sorted = this.view.sort?.column === c.id;
          const th = h(
            'th',
            { class: `${c.group} ${c.kind}`, 'data-column': c.id, 'aria-sort': sorted ? (this.view.sort!.descending ? 'descending' : 'ascending') : 'none', title: `Sort by ${c.label}` },
            c.label,
            sorted ? h('span', { class: `codicon codicon-arrow-${this.view.sort!.descending ? 'down' : 'up'}` }) : null,
          );
          th.addEventListener('click', () => this.set({ sort: nextSort(this.view.sort, c.id) }));
          return th;
        }),
      ),
    );
  }

  private renderTable(rows: RunRow[], groups: RunGroup[] | undefined): void {
    const columns = this.visibleColumns();
    const now = Date.now();
    const tbody = h('tbody');
    const limit = this.showAll ? Infinity : FIRST_ROWS;
    if (groups) {
      for (const group of groups.slice(0, limit)) tbody.append(this.groupRow(group, columns, now));
    } else {
      for (const row of rows.slice(0, limit)) tbody.append(this.runRow(row, columns, now));
    }
    const total = groups ? groups.length : rows.length;
    const more = total > limit ? h('vscode-button', { secondary: true, class: 'show-all' }, `Show all ${total.toLocaleString('en-US')}`) : null;
    more?.addEventListener('click', () => {
      this.showAll = true;
      this.render();
    });
    setChildren(this.body, h('table', { class: 'runs' }, this.header(columns), tbody), more);
  }

  private selectBox(keys: string[], label: string): HTMLInputElement {
    const box = h('input', { type: 'checkbox', 'aria-label': `Select ${label}`, checked: keys.every((k) => this.selected.has(k)) });
    box.addEventListener('change', () => {
      for (const k of keys) box.checked ? this.selected.add(k) : this.selected.delete(k);
      this.render();
    });
    return box;
  }

  private runRow(row: RunRow, columns: Column[], now: number): HTMLElement {
    const tr = h('tr', { 'data-key': row.key, 'data-name': row.name, class: this.selected.has(row.key) ? 'selected' : '' }, h('td', { class: 'select' }, this.selectBox([row.key], row.name)));
    for (const c of columns) tr.append(this.cell(row, c, now));
    tr.addEventListener('dblclick', (e) => {
      if (!(e.target as HTMLElement).closest('.editable')) this.host.send({ type: 'openRun', key: row.key });
    });
    return tr;
  }

  private cell(row: RunRow, c: Column, now: number): HTMLElement {
    const value = cellValue(row, c.id);
    if (c.id === 'status') {
      return h('td', { class: `status status-${row.status}`, title: row.status }, h('span', { class: `codicon codicon-${STATUS_ICONS[row.status] ?? 'circle'}` }), ` ${row.status}`);
    }
    if (c.id === 'tags' || c.id === 'note') {
      const td = h(
        'td',
        { class: `editable ${c.id}`, title: `Click to edit ${c.id === 'tags' ? 'tags (comma-separated)' : 'the note'}`, tabindex: 0 },
        ...(c.id === 'tags' ? row.tags.map((t) => h('span', { class: 'tag' }, t)) : [row.note]),
      );
      const edit = () => this.editCell(td, row, c.id as 'tags' | 'note');
      td.addEventListener('click', edit);
      td.addEventListener('keydown', (e) => e.key === 'Enter' && edit());
      return td;
    }
    return h('td', { class: `${c.group} ${c.kind}`, title: c.id === 'created' ? row.createdAt : undefined }, formatCell(c, value, now));
  }

  private editCell(td: HTMLElement, row: RunRow, field: 'tags' | 'note'): void {
    if (td.querySelector('input')) return;
    const input = h('input', { class: 'cell-editor', value: field === 'tags' ? row.tags.join(', ') : row.note, 'aria-label': field === 'tags' ? `Tags of ${row.name}` : `Note on ${row.name}` });
    const save = () => {
      const notes = field === 'tags' ? { tags: input.value.split(',') } : { note: input.value };
      this.host.send({ type: 'setNotes', key: row.key, notes });
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') save();
      if (e.key === 'Escape') this.render();
    });
    input.addEventListener('blur', () => save());
    setChildren(td, input);
    input.focus();
    input.select();
  }

  private groupRow(group: RunGroup, columns: Column[], now: number): HTMLElement {
    const keys = group.rows.map((r) => r.key);
    const tr = h('tr', { class: 'group', 'data-key': keys[0], 'data-members': String(group.rows.length) }, h('td', { class: 'select' }, this.selectBox(keys, `${group.rows.length} runs`)));
    for (const c of columns) {
      const text = c.id === 'name' ? groupName(group) : formatGroupCell(group, c, now);
      tr.append(h('td', { class: `${c.group} ${c.kind}` }, text));
    }
    return tr;
  }

  private renderParallel(rows: RunRow[]): void {
    const results = this.columns.filter((c) => c.group === 'result' || c.id === 'duration' || c.id === 'steps');
    const result = results.find((c) => c.id === this.view.parallelResult) ?? results[0];
    const select = h('vscode-single-select', { class: 'parallel-result', 'aria-label': 'Result column' }) as HTMLElement & { value: string };
    for (const c of results) select.append(h('vscode-option', { value: c.id, selected: c.id === result?.id }, c.label));
    select.addEventListener('change', () => this.set({ parallelResult: select.value }));
    if (!result) {
      setChildren(this.body, h('p', { class: 'empty' }, 'No run has recorded a result yet.'));
      return;
    }
    const axes = this.columns.filter((c) => c.group === 'config' && !this.view.hidden.includes(c.id));
    const width = Math.max(480, this.root.clientWidth - 24);
    const size = { width, height: 360 };
    const layout = parallelLayout(rows, axes, result, { ...size, margin: 40 });
    const svg = renderParallel(layout, size, this.selected, (key) => {
      this.selected.has(key) ? this.selected.delete(key) : this.selected.add(key);
      this.render();
    });
    setChildren(
      this.body,
      h('div', { class: 'parallel-bar' }, h('span', {}, 'Colour and last axis:'), select, h('span', { class: 'legend' }, h('span', { class: 'low' }, 'low'), ' → ', h('span', { class: 'high' }, 'high'))),
      svg,
    );
  }

  private openCompare(): void {
    const order = this.shownRows() ?? this.rows;
    const keys = order.filter((r) => this.selected.has(r.key)).map((r) => r.key);
    if (keys.length > 0) this.host.send({ type: 'openCompare', keys });
  }

  private export(format: 'csv' | 'markdown'): void {
    const rows = this.shownRows();
    if (!rows) return;
    const columns = this.visibleColumns();
    this.host.send({ type: 'export', format, text: format === 'csv' ? toCsv(rows, columns) : toMarkdown(rows, columns) });
  }
}

/** "sweep lr 0.0002 b64 s1 + 5 runs · seeds 1, 2, 3". */
function groupName(group: RunGroup): string {
  if (group.rows.length === 1) return group.rows[0].name;
  const seeds = [...new Set(group.rows.map((r) => Number(r.config.seed)))].sort((a, b) => a - b);
  return `${group.rows[0].name} + ${group.rows.length - 1} runs · seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}`;
}
