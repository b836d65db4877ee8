// The pages of the status display as content: a title, a right-hand header
// field, and lines of text or bar graphs. One model, three renderers: the
// 128×64 and 128×32 pixel layouts (render.ts) and the serial text displays
// (text.ts: SerialToOLED's three lines, celeron55's disp0..2).
import { limitingSide, type DisplayFacts } from './facts.js';

export const pageIds = ['stage', 'power', 'energy', 'limits', 'faults', 'link', 'network'] as const;
export type PageId = (typeof pageIds)[number];

export function isPageId(s: string): s is PageId {
  return (pageIds as readonly string[]).includes(s);
}

export type PageLine =
  | { readonly kind: 'text'; readonly text: string }
  /** A bar graph: `fraction` 0..1 of the width is filled; value is the number printed after it. */
  | { readonly kind: 'bar'; readonly label: string; readonly fraction: number; readonly value: string };

export interface PageContent {
  readonly id: PageId;
  readonly title: string;
  /** Right-aligned header text (elapsed time, page number). */
  readonly right: string;
  /** Every line, as a 128×64 panel shows them (up to 7 under the header). */
  readonly lines: readonly PageLine[];
  /** The three most important lines, for 128×32 and the 3-line serial displays. */
  readonly compact: readonly PageLine[];
}

/** Characters per line on a 128-pixel panel (6-pixel cells). */
export const LINE_CHARS = 21;

const t = (text: string): PageLine => ({ kind: 'text', text });
const bar = (label: string, fraction: number, value: string): PageLine => ({ kind: 'bar', label, fraction: Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0, value });

const fx = (v: number | undefined, digits: number, width: number): string => (v === undefined || !Number.isFinite(v) ? '-'.padStart(width) : v.toFixed(digits).padStart(width));

/** mm:ss below an hour, h:mm:ss above. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

export function elapsedOf(f: DisplayFacts, now: number): string {
  if (f.startedAt === undefined) return '--:--';
  return formatElapsed((f.endedAt ?? now) - f.startedAt);
}

/** Splits text into lines of at most `width` characters, at spaces where it can. */
export function wrap(text: string, width: number, maxLines: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest.length > 0 && out.length < maxLines) {
    if (rest.length <= width) {
      out.push(rest);
      break;
    }
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= 0) cut = width;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return out;
}

const clip = (s: string): string => ([...s].length > LINE_CHARS ? [...s].slice(0, LINE_CHARS).join('') : s);

function energyText(wh: number): string {
  return wh >= 10_000 ? `${(wh / 1000).toFixed(1)} kWh` : `${wh.toFixed(0)} Wh`;
}

export function composePage(id: PageId, f: DisplayFacts, now: number): PageContent {
  const elapsed = elapsedOf(f, now);
  const page = (title: string, lines: PageLine[], compact?: PageLine[]): PageContent => {
    const clipped = lines.map((l) => (l.kind === 'text' ? t(clip(l.text)) : l));
    return { id, title, right: elapsed, lines: clipped.slice(0, 7), compact: (compact ?? clipped).slice(0, 3).map((l) => (l.kind === 'text' ? t(clip(l.text)) : l)) };
  };
  switch (id) {
    case 'stage': {
      const stage = f.stage ?? 'waiting';
      const cp = f.checkpoint !== undefined ? `checkpoint ${f.checkpoint}` : 'checkpoint -';
      const third = f.shutdown ? `shutdown ${f.shutdown}` : f.fault ? `! ${f.fault.code}` : (f.protocol ?? '');
      return page(`${f.role}${f.protocol ? ' ' + f.protocol : ''}`, [t(stage), t(cp), t(third), ...(f.slac ? [t(`SLAC ${f.slac}`)] : []), ...(f.tcp ? [t(`TCP ${f.tcp}`)] : [])], [t(stage), t(cp), t(third)]);
    }
    case 'power': {
      const p = f.voltage !== undefined && f.current !== undefined ? (f.voltage * f.current) / 1000 : undefined;
      const max = f.evse.maxCurrent ?? f.ev.maxCurrent;
      const lines = [t(`U ${fx(f.voltage, 1, 7)} V`), t(`I ${fx(f.current, 1, 7)} A`), t(`P ${fx(p, 1, 7)} kW`)];
      if (max !== undefined && max > 0) lines.push(bar('I', (f.current ?? 0) / max, `${max.toFixed(0)}A`));
      return page('Power', lines);
    }
    case 'energy': {
      const soc = f.soc;
      const lines = [bar('SOC', (soc ?? 0) / 100, soc === undefined ? '-' : `${soc.toFixed(0)}%`), t(`E ${energyText(f.energyWh)}`), t(`t ${elapsed}`)];
      return page('Battery', lines);
    }
    case 'limits': {
      const side = limitingSide(f);
      const who = side ? `limit: ${side.side} ${side.what === 'current' ? 'I' : side.what === 'voltage' ? 'U' : 'P'}` : 'limit: -';
      const kw = (v: number | undefined) => (v === undefined ? undefined : v / 1000);
      const carI = f.ev.targetCurrent;
      const head = t('     car    charger');
      const a = t(`A ${fx(carI, 1, 7)} ${fx(f.evse.maxCurrent, 1, 8)}`);
      const v = t(`V ${fx(f.ev.targetVoltage, 1, 7)} ${fx(f.evse.maxVoltage, 1, 8)}`);
      const p = t(`kW${fx(kw(f.ev.targetVoltage !== undefined && carI !== undefined ? f.ev.targetVoltage * carI : undefined), 1, 7)} ${fx(kw(f.evse.maxPower), 1, 8)}`);
      return page('Limits', [head, a, v, p, t(who)], [a, v, t(who)]);
    }
    case 'faults': {
      const shutdown = t(`shutdown ${f.shutdown ?? '-'}`);
      if (!f.fault) return page('Faults', [t('no fault'), shutdown]);
      const detail = wrap(f.fault.detail, LINE_CHARS, 3).map(t);
      return page('Faults', [t(`! ${f.fault.code}`), ...detail, shutdown], [t(`! ${f.fault.code}`), detail[0] ?? t(''), shutdown]);
    }
    case 'link': {
      const modem = t(`modem ${f.modem ?? '-'}`);
      const slac = t(`SLAC ${f.slac ?? '-'}`);
      const att = t(`att ${f.attenuation !== undefined ? f.attenuation.toFixed(1) + ' dB' : '-'}`);
      const lines = [modem, slac, att, t(`to ${f.peerMac ?? '-'}`), t(`SDP ${f.sdp ?? '-'}`), t(`TCP ${f.tcp ?? '-'}`)];
      if (f.firmware) lines.splice(1, 0, t(`fw ${f.firmware}`));
      return page('Modem/SLAC', lines, [modem, slac, att]);
    }
    case 'network': {
      const ip = f.ipv6 ?? '-';
      const ipLines = ip.length <= LINE_CHARS - 5 ? [t(`IPv6 ${ip}`)] : [t('IPv6'), ...wrap(ip.replace(/:/g, ': '), LINE_CHARS, 2).map((s) => t(s.replace(/: /g, ':')))];
      const iface = t(`if ${f.interface ?? '-'}`);
      const mac = t(`MAC ${f.mac ?? '-'}`);
      return page('Network', [iface, mac, ...ipLines], [iface, mac, ipLines.length === 1 ? (ipLines[0] as PageLine) : t(ip.slice(0, LINE_CHARS))]);
    }
  }
}
