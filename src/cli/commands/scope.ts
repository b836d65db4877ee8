// tsplc scope <capture> [-o file.html] [--png file.png]: one self-contained HTML page (uPlot and its
// CSS inlined, the data as JSON, no network) with voltage, current, power and SOC over time, the car's
// requests against the charger's maxima, bands for SLAC / CableCheck / PreCharge / charging / stop,
// and markers for response and status codes. --png renders it with headless Chromium when installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseCommandArgs } from '../args.js';
import { analyzeCapture } from '../../tools/analysis/capture.js';
import { type ScopeData, scopeData } from '../../tools/analysis/scope.js';
import { detectCaptureFormat } from '../../codecs/capture/reader.js';

export const summary = 'plot a capture: voltage, current, power, SOC, phases and codes as one HTML file (--png via headless Chromium)';

const USAGE = `usage: tsplc scope <capture.pcap|capture.pcapng|session-record.pcapng> [-o <file.html>] [--png <file.png>] [--chromium <path>]
  -o, --output <file>  the HTML file (default: <capture>.scope.html next to the capture)
  --png <file>         also a 1400×900 screenshot through headless Chromium (/usr/bin/chromium)
  --chromium <path>    the browser to use for --png`;

export const CHROMIUM = '/usr/bin/chromium';

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs('scope', USAGE, { args: argv, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, png: { type: 'string' }, chromium: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (typeof parsed === 'number') return parsed;
  const [path, ...extra] = parsed.positionals;
  if (!path || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    process.stderr.write(`tsplc scope: cannot read ${path}: ${(e as Error).message}\n`);
    return 1;
  }
  if (detectCaptureFormat(bytes) === undefined) {
    process.stderr.write(`tsplc scope: ${path}: BAD_MAGIC: not a pcap or pcapng file (unknown magic number)\n`);
    return 1;
  }
  const a = analyzeCapture(bytes);
  const data = scopeData(basename(path), a.events, a.values);
  const out = parsed.values.output ?? `${path}.scope.html`;
  try {
    writeFileSync(out, scopeHtml(data));
  } catch (e) {
    process.stderr.write(`tsplc scope: cannot write ${out}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`${out}: ${data.t.length} rows, ${data.bands.map((b) => b.name).join(', ') || 'no phases'}, ${data.markers.length} markers\n`);
  if (parsed.values.png !== undefined) return screenshot(out, parsed.values.png, parsed.values.chromium ?? CHROMIUM);
  return 0;
}

/** Renders the page with headless Chromium into a PNG (the flags keep it off the network and stateless). */
export function screenshot(html: string, png: string, chromium: string): number {
  if (!existsSync(chromium)) {
    process.stderr.write(`tsplc scope: --png needs Chromium at ${chromium} (apt-get install chromium, or --chromium <path>)\n`);
    return 1;
  }
  const profile = mkdtempSync(join(tmpdir(), 'tsplc-scope-'));
  try {
    const r = spawnSync(chromium, [...chromiumFlags(profile), `--screenshot=${resolve(png)}`, '--window-size=1400,900', `file://${resolve(html)}`], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0 || !existsSync(png)) {
      process.stderr.write(`tsplc scope: chromium failed (exit ${String(r.status)}): ${(r.stderr ?? '').split('\n').slice(-3).join(' ')}\n`);
      return 1;
    }
    return 0;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

export function chromiumFlags(profile: string): string[] {
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`];
}

function asset(rel: string): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve(`uplot/dist/${rel}`), 'utf8');
}

/** JSON that is safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export function scopeHtml(data: ScopeData): string {
  const title = data.title.replace(/[<&>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>tsplc scope: ${title}</title>
<style>${asset('uPlot.min.css')}
body{font:13px sans-serif;margin:8px;background:#fff;color:#111}h1{font-size:15px;margin:4px 0}
#markers{font:12px monospace;white-space:pre;max-height:120px;overflow:auto}#plotted,#errors{display:none}</style>
</head><body>
<h1>${title} — ${new Date(data.t0).toISOString()} (t = 0)</h1>
<div id="charts"></div><div id="markers"></div>
<pre id="plotted"></pre><pre id="errors"></pre>
<script id="scope-data" type="application/json">${scriptJson(data)}</script>
<script>${asset('uPlot.iife.min.js')}</script>
<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); document.getElementById('errors').textContent = JSON.stringify(errors); });
  var d = JSON.parse(document.getElementById('scope-data').textContent);
  var S = d.series;
  var BAND = { SLAC: 'rgba(120,120,255,0.15)', CableCheck: 'rgba(255,200,0,0.2)', PreCharge: 'rgba(255,120,0,0.2)', charging: 'rgba(0,200,0,0.12)', stop: 'rgba(255,0,0,0.15)' };
  function bands(u) {
    var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    d.bands.forEach(function (b) {
      var x0 = u.valToPos(b.from, 'x', true), x1 = u.valToPos(b.to, 'x', true);
      ctx.fillStyle = BAND[b.name]; ctx.fillRect(x0, top, Math.max(1, x1 - x0), h);
      ctx.fillStyle = '#333'; ctx.font = '11px sans-serif'; ctx.fillText(b.name, x0 + 2, top + 12);
    });
    ctx.strokeStyle = 'rgba(200,0,0,0.8)';
    d.markers.forEach(function (m) { var x = u.valToPos(m.t, 'x', true); ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke(); });
    ctx.restore();
  }
  var width = Math.max(600, window.innerWidth - 24), height = Math.max(160, Math.floor((window.innerHeight - 150) / 3) - 40);
  var charts = [
    { title: 'voltage (V)', cols: [['EVSEPresentVoltage', '#0060c0', 'EVSEPresentVoltage'], ['EVTargetVoltage', '#60a0ff', 'EVTargetVoltage (car)'], ['EVSEMaximumVoltageLimit', '#a0a0a0', 'EVSEMaximumVoltageLimit']] },
    { title: 'current (A)', cols: [['EVSEPresentCurrent', '#c00000', 'EVSEPresentCurrent'], ['EVTargetCurrent', '#ff8080', 'EVTargetCurrent (car)'], ['EVSEMaximumCurrentLimit', '#a0a0a0', 'EVSEMaximumCurrentLimit']] },
    { title: 'power (kW) and SOC (%)', cols: [['PowerKW', '#008000', 'power kW'], ['EVRESSSOC', '#8000a0', 'SOC %']] },
  ];
  var plotted = {};
  window.tsplcScope = charts.map(function (c) {
    var data = [d.t].concat(c.cols.map(function (k) { return S[k[0]]; }));
    var u = new uPlot({
      title: c.title, width: width, height: height,
      scales: { x: { time: false } },
      series: [{ label: 't (s)' }].concat(c.cols.map(function (k) { return { label: k[2], stroke: k[1], width: 1.5, spanGaps: true, points: { show: false } }; })),
      axes: [{ label: 's' }, {}],
      hooks: { drawClear: [bands] },
    }, data, document.getElementById('charts'));
    plotted.t = u.data[0];
    c.cols.forEach(function (k, i) { plotted[k[0]] = u.data[i + 1]; });
    return u;
  });
  document.getElementById('plotted').textContent = JSON.stringify(plotted);
  document.getElementById('markers').textContent = d.markers.map(function (m) { return m.t.toFixed(3) + ' s  #' + m.frame + '  ' + m.label; }).join('\\n') || 'no response or status codes to mark';
})();
</script>
</body></html>
`;
}
