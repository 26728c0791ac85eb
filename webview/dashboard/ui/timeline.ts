/**
 * The sample grid timeline: the fixed-noise grid of the step under the cursor, large and
 * pixel-exact; a slider over every saved grid and a play button that animates them like the
 * lesson's animation (a frame a second by default, holding the last one a second longer).
 */
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import { DashboardViewState, FPS_CHOICES } from '../../../src/protocol/dashboardProtocol';
import { gridDisplayWidth } from '../model/gridLayout';
import { GRID_PADDING } from '../../../src/protocol/gridLayout';
import type { RunData } from '../model/runData';
import { nextFrame, stepForIndex, timelineIndex, ViewAction } from '../model/viewState';
import { h, setChildren } from '../../common/dom';
import { formatEpochs } from '../../../src/protocol/steps';

const GRID_HINT = 'G(fixed noise): the same 64 latent vectors at every saved step';
const GRID_COLUMNS_CONDITIONAL = 8;

/** The lesson's ArtistAnimation: repeat_delay=1000 after the last frame. */
const HOLD_LAST_MS = 1000;

export interface TimelineCallbacks {
  dispatch(action: ViewAction): void;
  onExportGif(): void;
  onOpenGrid(step: number): void;
}

/** Loads images once, so frames switch without flicker; keeps the most recently used few hundred. */
export class ImageCache {
  private readonly images = new Map<string, HTMLImageElement>();

  constructor(private readonly limit = 300) {}

  get(uri: string): HTMLImageElement {
    let img = this.images.get(uri);
    if (img) {
      // Most recently used last.
      this.images.delete(uri);
    } else {
      img = new Image();
      img.decoding = 'async';
      img.src = uri;
    }
    this.images.set(uri, img);
    while (this.images.size > this.limit) this.images.delete(this.images.keys().next().value as string);
    return img;
  }

  async loaded(uri: string): Promise<HTMLImageElement> {
    const img = this.get(uri);
    if (!img.complete || img.naturalWidth === 0) await img.decode();
    return img;
  }
}

export class Timeline {
  readonly element: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly img: HTMLImageElement;
  private readonly placeholder: HTMLElement;
  private readonly caption: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly counter: HTMLElement;
  private readonly play: HTMLElement;
  private readonly fps: VscodeSingleSelect;
  private readonly gif: HTMLElement;
  private readonly open: HTMLElement;
  /** The class names beside the rows of a conditional run's grids. */
  private readonly rowLabels: HTMLElement;
  private readonly hint: HTMLElement;
  private run: RunData | undefined;
  private view: DashboardViewState | undefined;
  private timer: number | undefined;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly images: ImageCache,
    private readonly callbacks: TimelineCallbacks,
  ) {
    this.img = h('img', { class: 'grid-image grid-large', alt: 'Generated images from the fixed noise', id: 'grid-large' });
    this.img.addEventListener('load', () => this.layout());
    this.placeholder = h('div', { class: 'grid-placeholder', text: 'No sample grid yet: the first one is saved after step 0.' });
    this.rowLabels = h('div', { class: 'grid-row-labels', id: 'grid-row-labels', 'aria-label': 'Class of each row' });
    this.rowLabels.hidden = true;
    this.stage = h('div', { class: 'grid-stage' }, this.rowLabels, this.img, this.placeholder);
    this.caption = h('div', { class: 'grid-caption', id: 'grid-caption' });
    this.slider = h('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, id: 'grid-slider', 'aria-label': 'Sample grid' });
    this.slider.addEventListener('input', () => {
      this.stop();
      this.show(Number(this.slider.value));
    });
    this.counter = h('span', { class: 'counter', id: 'grid-counter' });
    this.play = h('vscode-button', { icon: 'play', id: 'play', title: 'Play the grids in order, like the lesson’s animation', secondary: true }, 'Play');
    this.play.addEventListener('click', () => (this.playing ? this.stop() : this.start()));
    this.fps = h('vscode-single-select', { id: 'fps', 'aria-label': 'Frames per second', class: 'fps-select' }) as VscodeSingleSelect;
    for (const f of FPS_CHOICES) this.fps.append(h('vscode-option', { value: String(f), text: `${f} fps` }));
    this.fps.addEventListener('change', () => this.callbacks.dispatch({ type: 'fps', value: Number(this.fps.value) }));
    this.gif = h('vscode-button', { icon: 'file-media', secondary: true, id: 'export-gif', title: 'Export every grid as an animated GIF' }, 'Export GIF');
    this.gif.addEventListener('click', () => this.callbacks.onExportGif());
    this.open = h('vscode-toolbar-button', { icon: 'go-to-file', label: 'Open this grid in the editor', title: 'Open this grid in the editor' });
    this.open.addEventListener('click', () => {
      const sample = this.current();
      if (sample) this.callbacks.onOpenGrid(sample.step);
    });
    this.element = h(
      'section',
      { class: 'card timeline', 'aria-label': 'Sample grid timeline' },
      h(
        'header',
        { class: 'card-header' },
        h('h2', { text: 'Samples' }),
        (this.hint = h('span', { class: 'card-hint', text: GRID_HINT })),
        h('span', { class: 'spacer' }),
        this.open,
      ),
      this.stage,
      this.caption,
      h('div', { class: 'timeline-controls' }, this.play, this.slider, this.counter, this.fps, this.gif),
    );
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(this.stage);
  }

  get playing(): boolean {
    return this.timer !== undefined;
  }

  private steps(): number[] {
    return this.run?.samples.map((s) => s.step) ?? [];
  }

  private index(): number {
    return timelineIndex(this.steps(), this.view?.gridStep ?? null);
  }

  private current() {
    const i = this.index();
    return i >= 0 ? this.run?.samples[i] : undefined;
  }

  private show(index: number): void {
    this.callbacks.dispatch({ type: 'gridStep', value: stepForIndex(this.steps(), index) });
  }

  render(run: RunData | undefined, view: DashboardViewState): void {
    this.run = run;
    this.view = view;
    const samples = run?.samples ?? [];
    const i = this.index();
    const sample = i >= 0 ? samples[i] : undefined;
    this.slider.max = String(Math.max(0, samples.length - 1));
    this.slider.value = String(Math.max(0, i));
    this.slider.disabled = samples.length < 2;
    this.play.toggleAttribute('disabled', samples.length < 2);
    this.gif.toggleAttribute('disabled', samples.length === 0);
    this.open.toggleAttribute('disabled', !sample);
    if (this.fps.value !== String(view.fps)) this.fps.value = String(view.fps);
    this.counter.textContent = samples.length ? `${i + 1} / ${samples.length}` : '0 / 0';
    this.placeholder.hidden = !!sample;
    this.img.hidden = !sample;
    const rows = run?.info.gridRows;
    this.hint.textContent = rows ? `G(fixed noise, class): the same ${GRID_COLUMNS_CONDITIONAL} latent vectors in every row, one row per class` : GRID_HINT;
    this.rowLabels.hidden = !sample || !rows;
    if (rows && this.rowLabels.childElementCount !== rows.length) setChildren(this.rowLabels, ...rows.map((name) => h('span', { class: 'grid-row-label', text: name })));
    if (sample) {
      this.images.get(sample.uri);
      if (this.img.getAttribute('src') !== sample.uri) this.img.setAttribute('src', sample.uri);
      this.img.dataset.step = String(sample.step);
      const epoch = run ? sample.step / run.stepsPerEpoch : sample.epoch;
      const latest = i === samples.length - 1;
      setChildren(
        this.caption,
        h('strong', { text: `Step ${sample.step.toLocaleString('en-US')}` }),
        ` · epoch ${formatEpochs(epoch)} · ${new Date(sample.time).toLocaleTimeString()}`,
        latest && view.gridStep === null && run?.info.live ? h('span', { class: 'pill', text: 'following new grids' }) : null,
      );
    } else {
      setChildren(this.caption);
    }
    this.layout();
  }

  private layout(): void {
    const natural = this.img.naturalWidth;
    if (!natural) return;
    const labels = this.rowLabels.hidden ? [] : [...this.rowLabels.children];
    const available = this.stage.clientWidth - (labels.length ? this.rowLabels.offsetWidth : 0);
    const maxHeight = Math.max(natural, window.innerHeight - 220);
    const width = gridDisplayWidth(natural, available, maxHeight, 4);
    const height = Math.round((width * this.img.naturalHeight) / natural);
    this.img.style.width = `${width}px`;
    this.img.style.height = `${height}px`;
    // Each class name at the height of its row's centre (make_grid: 2 pixels of padding around every cell).
    const scale = height / this.img.naturalHeight;
    const pitch = (this.img.naturalHeight - GRID_PADDING) / Math.max(1, labels.length);
    this.rowLabels.style.height = `${height}px`;
    labels.forEach((label, r) => ((label as HTMLElement).style.top = `${(GRID_PADDING + r * pitch + (pitch - GRID_PADDING) / 2) * scale}px`));
  }

  private start(): void {
    const n = this.steps().length;
    if (n < 2) return;
    for (const s of this.run?.samples ?? []) this.images.get(s.uri); // preload every frame
    this.play.setAttribute('icon', 'debug-pause');
    this.play.textContent = 'Pause';
    this.element.classList.add('playing');
    const tick = () => {
      const steps = this.steps();
      const next = nextFrame(this.index(), steps.length);
      this.show(next);
      const fps = this.view?.fps ?? 1;
      this.timer = window.setTimeout(tick, 1000 / fps + (next === steps.length - 1 ? HOLD_LAST_MS : 0));
    };
    // Start from the first grid when at the end, as the lesson's animation does.
    if (this.index() === n - 1) this.show(0);
    const fps = this.view?.fps ?? 1;
    this.timer = window.setTimeout(tick, 1000 / fps);
  }

  stop(): void {
    if (this.timer !== undefined) window.clearTimeout(this.timer);
    this.timer = undefined;
    this.play.setAttribute('icon', 'play');
    this.play.textContent = 'Play';
    this.element.classList.remove('playing');
  }

  dispose(): void {
    this.stop();
    this.resizeObserver.disconnect();
  }
}
