/**
 * The one element builder of the webviews (no framework; the page never uses innerHTML with data):
 * h('div', { class: 'x', onclick: handler }, child, 'text'). Attributes are set as strings (true:
 * present, false/null/undefined: absent); a function is an event listener (`onclick` -> click);
 * `text` sets the text content.
 */

type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (name === 'text') el.textContent = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** Replaces the children of `el`. */
export function setChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/** Whether a key press belongs to a text field or select (and so is not a shortcut). */
export function isTyping(event: KeyboardEvent): boolean {
  const path = event.composedPath();
  return path.some((t) => t instanceof HTMLElement && (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || /^VSCODE-(TEXTFIELD|TEXTAREA|SINGLE-SELECT)$/.test(t.tagName)));
}

/** A problem banner: what happened and what to do. */
export function problemBanner(problem: { message: string; hint?: string }, kind: 'error' | 'warning' | 'info' = 'error'): HTMLElement {
  const icon = kind === 'error' ? 'error' : kind === 'warning' ? 'warning' : 'info';
  return h(
    'div',
    { class: `banner ${kind}`, role: kind === 'info' ? 'status' : 'alert' },
    h('vscode-icon', { name: icon }),
    h('div', { class: 'banner-text' }, h('div', { class: 'banner-message' }, problem.message), problem.hint ? h('div', { class: 'banner-hint' }, problem.hint) : null),
  );
}
