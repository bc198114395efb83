import { AXIS_INK, FAULT_INK } from './report-palette';

/**
 * The report's one stylesheet, inline: the page is a single file that opens anywhere, offline.
 * Sized for a laptop (about 1200 px: charts two abreast), one column on narrower screens, and
 * printable. Text colours keep a contrast of at least 4.5:1 on their backgrounds.
 */
export const STYLE = `
:root { --ink: #1d2129; --muted: #525966; --line: #d9dce1; --panel: #f5f6f8;
  --good: #1a7f37; --bad: #b42318; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 24px 40px; }
h1 { font-size: 26px; line-height: 1.2; margin: 2px 0 6px; }
h1 .shape { font-size: 15px; font-weight: 600; color: #fff; background: #0b5394; border-radius: 4px;
  padding: 2px 8px; vertical-align: 4px; margin-left: 6px; white-space: nowrap; }
h2 { font-size: 16px; margin: 0 0 8px; }
h3 { font-size: 14px; margin: 0; }
header { border-bottom: 1px solid var(--line); padding-bottom: 12px; margin-bottom: 16px; }
header p { margin: 2px 0; color: var(--muted); }
header .kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; font-weight: 600; }
header .sale { color: var(--ink); }
.tiles { display: grid; grid-template-columns: repeat(6, 1fr); gap: 10px; margin: 0 0 18px; }
.tile { background: var(--panel); border-radius: 8px; padding: 10px 12px; border-top: 4px solid #0b5394; }
.tile.good { border-top-color: var(--good); }
.tile.bad { border-top-color: var(--bad); }
.tile dt { font-size: 12px; color: var(--muted); font-weight: 600; }
.tile dd { margin: 0; }
.tile .value { display: block; font-size: 21px; font-weight: 700; line-height: 1.25; margin: 2px 0; }
.tile.good .value { color: var(--good); }
.tile.bad .value { color: var(--bad); }
.tile .value small { font-size: 13px; font-weight: 600; }
.tile .note { display: block; font-size: 12px; color: var(--muted); }
.summary { display: grid; grid-template-columns: 3fr 2fr; gap: 20px; margin-bottom: 18px; }
.checks ul { list-style: none; margin: 0; padding: 0; }
.checks li { display: grid; grid-template-columns: 22px 1fr; column-gap: 4px; padding: 5px 0;
  border-bottom: 1px solid var(--line); }
.checks li:last-child { border-bottom: 0; }
.checks .mark { grid-row: span 2; font-size: 16px; font-weight: 700; line-height: 1.3; }
.checks .held .mark { color: var(--good); }
.checks .failed .mark { color: var(--bad); }
.checks .failed strong { color: var(--bad); }
.checks .detail { grid-column: 2; color: var(--muted); font-size: 13px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.note { color: var(--muted); font-size: 13px; margin: -4px 0 6px; }
.tables { display: grid; grid-template-columns: 1fr 1fr; gap: 20px 28px; margin-bottom: 26px; }
.tables .costs { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; font-size: 13px; }
th.name, tbody th { text-align: left; font-weight: 500; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line);
  vertical-align: bottom; }
tr.total th, tr.total td { font-weight: 700; border-top: 2px solid var(--line); }
tr.bad th, tr.bad td { color: var(--bad); font-weight: 600; }
tr.warn th, tr.warn td { color: var(--warn); }
td.with-bar { position: relative; min-width: 110px; }
td.with-bar .bar { position: absolute; right: 8px; top: 6px; bottom: 6px; max-width: calc(100% - 16px);
  background: #dbe8f5; border-radius: 2px; }
td.with-bar span:last-child { position: relative; }
.charts-title { margin: 4px 0 2px; }
.charts-note { color: var(--muted); margin: 0 0 10px; font-size: 13px; }
.charts-note .swatch { display: inline-block; width: 22px; height: 11px; vertical-align: -1px;
  border-top: 3px solid ${FAULT_INK};
  background: repeating-linear-gradient(45deg, #d9dce1 0 1.5px, #f0f1f3 1.5px 5px); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 18px 22px; }
figure.chart { position: relative; margin: 0; padding: 10px 10px 8px; border: 1px solid var(--line); border-radius: 8px;
  break-inside: avoid; }
figure.chart figcaption { display: flex; align-items: baseline; gap: 8px; padding: 0 4px 2px; }
figure.chart .unit { color: var(--muted); font-size: 12px; }
figure.chart svg[role="img"] { display: block; width: 100%; height: auto; overflow: visible; }
svg text { font-size: 10px; fill: ${AXIS_INK}; font-family: inherit; }
svg .frame { fill: none; stroke: #b9bec6; }
svg .line { fill: none; stroke-width: 1.6; stroke-linejoin: round; stroke-linecap: round; }
svg .area { fill-opacity: .88; stroke: #fff; stroke-width: .5; }
svg .fault-band { fill: ${FAULT_INK}; fill-opacity: .06; }
svg .moment { stroke: ${AXIS_INK}; stroke-dasharray: 3 3; }
svg .fault-label { font-weight: 600; fill: #2e333b; }
svg .moment-label { fill: var(--muted); }
svg .cursor { stroke: var(--ink); stroke-width: 1; visibility: hidden; pointer-events: none; }
.tip { position: absolute; top: 44px; z-index: 1; background: rgba(255, 255, 255, .96); padding: 6px 8px;
  border: 1px solid #b9bec6; border-radius: 6px; box-shadow: 0 2px 8px rgba(0, 0, 0, .12);
  font-size: 12px; line-height: 1.35; pointer-events: none; white-space: nowrap; }
.tip-time { font-weight: 700; margin-bottom: 2px; }
.tip b { font-weight: 600; font-variant-numeric: tabular-nums; }
.tip-swatch { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 5px; }
svg .no-data { font-size: 12px; fill: var(--muted); }
.legend { list-style: none; margin: 4px 0 0; padding: 0 4px; display: flex; flex-wrap: wrap; gap: 2px 12px;
  font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 4px; white-space: nowrap; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
@media (max-width: 1100px) { .tiles { grid-template-columns: repeat(3, 1fr); }
  .summary, .tables { grid-template-columns: 1fr; } }
@media print { main { max-width: none; } .charts { grid-template-columns: 1fr 1fr; } .tip { display: none; } }
`;
