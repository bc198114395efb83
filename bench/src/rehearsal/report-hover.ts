import type { RehearsalReport } from './model';

/**
 * The report's data inside the page, as JSON: a reader who saves only the HTML still has every
 * number, and the hover read-out below takes its values from it. `<` is written as its escape,
 * so no name in the data can close the element early.
 */
export function embeddedData(report: RehearsalReport): string {
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<script type="application/json" id="report-data">${json}</script>`;
}

/**
 * Hovering a chart shows the second under the pointer and each series' value there. Optional:
 * the page reads completely without it (the charts, tables and their text alternatives are all
 * drawn server-side); it only saves a reader from guessing values off the axis. Plain ES2020
 * with no library, and names are set as text (never as markup).
 */
export const HOVER_SCRIPT = `(() => {
  const source = document.getElementById('report-data');
  if (!source) return;
  const { timeline } = JSON.parse(source.textContent);
  const t = timeline.t;
  const clock = (s) => {
    const r = Math.round(s);
    return Math.floor(r / 60) + ':' + String(r % 60).padStart(2, '0');
  };
  const show = (v) =>
    v === null || v === undefined ? 'no sample'
      : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(+v.toPrecision(3));
  const nearest = (s) => {
    let lo = 0, hi = t.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (t[mid] < s) lo = mid + 1; else hi = mid; }
    return lo > 0 && s - t[lo - 1] < t[lo] - s ? lo - 1 : lo;
  };
  for (const figure of document.querySelectorAll('figure.chart[data-group]')) {
    const group = timeline.groups[Number(figure.dataset.group)];
    const svg = figure.querySelector('svg[role="img"]');
    const cursor = svg.querySelector('.cursor');
    const tip = figure.querySelector('.tip');
    if (!group || !cursor || !tip || t.length === 0) continue;
    const [left, width, from, to] = ['left', 'width', 'from', 'to'].map((k) => Number(svg.dataset[k]));
    const names = Object.keys(group.series);
    const swatches = [...figure.querySelectorAll('.legend svg > *')].map(
      (el) => el.getAttribute('stroke') || el.getAttribute('fill'),
    );
    const hide = () => { cursor.style.visibility = 'hidden'; tip.hidden = true; };
    svg.addEventListener('pointerleave', hide);
    svg.addEventListener('pointermove', (event) => {
      const box = svg.getBoundingClientRect();
      const scale = box.width / svg.viewBox.baseVal.width;
      const x = (event.clientX - box.left) / scale;
      if (x < left || x > left + width) return hide();
      const i = nearest(from + ((x - left) / width) * (to - from));
      const cx = left + ((t[i] - from) / Math.max(1, to - from)) * width;
      cursor.setAttribute('x1', String(cx));
      cursor.setAttribute('x2', String(cx));
      cursor.style.visibility = 'visible';
      const rows = names.map((name, k) => {
        const row = document.createElement('div');
        const swatch = document.createElement('span');
        swatch.className = 'tip-swatch';
        swatch.style.background = swatches[k] || '#888';
        const value = document.createElement('b');
        value.textContent = show(group.series[name][i]);
        row.append(swatch, document.createTextNode(name + ' '), value);
        return row;
      });
      const head = document.createElement('div');
      head.className = 'tip-time';
      head.textContent = clock(t[i]) + (group.unit ? ' · ' + group.unit : '');
      tip.replaceChildren(head, ...rows);
      tip.hidden = false;
      const px = cx * scale + svg.offsetLeft;
      const flip = px > figure.clientWidth / 2;
      tip.style.left = flip ? '' : px + 12 + 'px';
      tip.style.right = flip ? figure.clientWidth - px + 12 + 'px' : '';
    });
  }
})();`;
