/** Elements from data, never from HTML strings: nothing a server sends can become markup. */
type Child = Node | string | number | false | null | undefined;
type Props = Record<string, string | number | boolean | EventListener | undefined>;

export function h(tag: string, props: Props = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children)
    if (child !== false && child !== null && child !== undefined)
      el.append(child instanceof Node ? child : String(child));
  return el;
}

export const $ = (id: string) => document.getElementById(id)!;

/** A view: its heading takes the focus, so a keyboard or screen reader user starts there. */
export function show(title: string, ...content: Child[]): void {
  const heading = h('h1', { tabindex: -1 }, title);
  $('main').replaceChildren(heading, ...content.filter((c): c is Node | string => !!c));
  document.title = `${title} · Tickets`;
  heading.focus();
}

/** Said once by screen readers (a polite live region), and shown. */
export function announce(text: string): void {
  $('status').textContent = text;
}

export function alertUser(text: string): void {
  $('alert').textContent = text;
}

export const won = (n: number) => `₩${n.toLocaleString('en-US')}`;

export function when(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}
