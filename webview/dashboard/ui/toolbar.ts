/**
 * The charts' controls: smoothing (TensorBoard's slider), the x axis, log scale, the runs to
 * compare, and the CSV export.
 */
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { VscodeMultiSelect } from '@vscode-elements/elements/dist/vscode-multi-select/vscode-multi-select.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import { DashboardViewState, MAX_SMOOTHING, RunChoice, X_AXIS_LABELS, X_AXIS_MODES, XAxisMode } from '../../../src/protocol/dashboardProtocol';
import { formatCount } from '../../../src/protocol/format';
import type { ViewAction } from '../model/viewState';
import { statusLook } from './header';
import { h, setChildren } from '../../common/dom';

export class Toolbar {
  readonly element: HTMLElement;
  private readonly smoothing: HTMLInputElement;
  private readonly smoothingValue: HTMLOutputElement;
  private readonly xAxis: VscodeSingleSelect;
  private readonly logScale: VscodeCheckbox;
  private readonly compare: VscodeMultiSelect;
  private readonly csv: HTMLElement;
  private runsKey = '';

  constructor(
    private readonly dispatch: (action: ViewAction) => void,
    onExportCsv: () => void,
  ) {
    this.smoothing = h('input', { type: 'range', min: 0, max: MAX_SMOOTHING, step: 0.001, id: 'smoothing', 'aria-label': 'Smoothing' });
    this.smoothingValue = h('output', { for: 'smoothing', class: 'smoothing-value' });
    this.smoothing.addEventListener('input', () => {
      const value = Number(this.smoothing.value);
      this.smoothingValue.textContent = value.toFixed(2);
      this.dispatch({ type: 'smoothing', value });
    });
    this.xAxis = h('vscode-single-select', { id: 'x-axis', 'aria-label': 'X axis' }) as VscodeSingleSelect;
    for (const mode of X_AXIS_MODES) this.xAxis.append(h('vscode-option', { value: mode, text: X_AXIS_LABELS[mode] }));
    this.xAxis.addEventListener('change', () => this.dispatch({ type: 'xAxis', value: this.xAxis.value as XAxisMode }));
    this.logScale = h('vscode-checkbox', { id: 'log-scale', label: 'Log scale', title: 'Logarithmic y axis for the losses' }) as VscodeCheckbox;
    this.logScale.addEventListener('change', () => this.dispatch({ type: 'logScale', value: this.logScale.checked }));
    this.compare = h('vscode-multi-select', { id: 'compare', 'aria-label': 'Compare with runs', class: 'compare-select' }) as VscodeMultiSelect;
    this.compare.addEventListener('change', () => this.dispatch({ type: 'compare', value: [...this.compare.value] }));
    this.csv = h('vscode-button', { icon: 'table', secondary: true, id: 'export-csv', title: 'Export every record of the shown runs as CSV' }, 'Export CSV');
    this.csv.addEventListener('click', () => onExportCsv());
    this.element = h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Chart settings' },
      h('label', { class: 'control smoothing', title: 'Exponential moving average, as in TensorBoard; the raw values stay faint behind' }, h('span', { text: 'Smoothing' }), this.smoothing, this.smoothingValue),
      h('label', { class: 'control' }, h('span', { text: 'X axis' }), this.xAxis),
      h('div', { class: 'control' }, this.logScale),
      h('label', { class: 'control compare' }, h('span', { text: 'Compare' }), this.compare),
      h('span', { class: 'spacer' }),
      this.csv,
    );
  }

  render(view: DashboardViewState): void {
    if (document.activeElement !== this.smoothing) this.smoothing.value = String(view.smoothing);
    this.smoothingValue.textContent = view.smoothing.toFixed(2);
    if (this.xAxis.value !== view.xAxis) this.xAxis.value = view.xAxis;
    if (this.logScale.checked !== view.logScale) this.logScale.checked = view.logScale;
  }

  renderRuns(runs: RunChoice[], selected: string[]): void {
    const key = JSON.stringify([runs, selected]);
    if (key === this.runsKey) return;
    this.runsKey = key;
    const options = runs.map((r) =>
      h('vscode-option', { value: r.key, description: `${statusLook(r.status).label} · ${formatCount(r.steps)} steps · ${r.id}`, selected: selected.includes(r.key), text: r.name }),
    );
    setChildren(this.compare, ...options);
    this.compare.toggleAttribute('disabled', runs.length === 0);
    this.compare.title = runs.length === 0 ? 'No other runs to compare with yet' : 'Overlay other runs';
  }

  setBusy(busy: boolean): void {
    this.csv.toggleAttribute('disabled', busy);
  }
}
