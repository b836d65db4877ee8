// Parsers for the text outputs of pyPLC's reference decoder (pcapConverter.py,
// which runs OpenV2G per message), used to check our decoder against it:
//
// .decoded.txt, two formats:
//   Packet #13 [2023-04-19 19:40:49.215152] 809a02… means:      (frame number, local time)
//   2022-12-20T10:01:27.895113=ED 809a02… means:                (pyPLC log; ED/DD = which side decoded it)
// each followed by a JSON block { "msgName": …, "header.SessionID": …, … }.
// .values.txt: `[2024-04-20 17:03:07.993203] EVRESSSOC=55` lines.
//
// The times are local wall-clock times without a zone; callers compare them
// to capture timestamps modulo the zone offset.

export interface ReferenceMessage {
  /** Frame number for the `Packet #N` format. */
  readonly frame?: number;
  /** The time as written (no zone). */
  readonly timeText: string;
  /** ED/DD marker of the log format. */
  readonly marker?: string;
  /** EXI bytes in lower-case hex. */
  readonly exiHex: string;
  /** Every "key": "value" of the JSON block, as strings. */
  readonly fields: Readonly<Record<string, string>>;
  /** 1-based line of the header line in the file (for failure messages). */
  readonly line: number;
}

const PACKET_RE = /^Packet #(\d+) \[([^\]]+)\] ([0-9a-fA-F]+) means:\s*$/;
const LOG_RE = /^(\d{4}-\d\d-\d\dT[\d:.]+)=(\w+) ([0-9a-fA-F]+) means:\s*$/;
const FIELD_RE = /^\s*"([^"]+)"\s*:\s*"([^"]*)"\s*,?\s*$/;

export function parseDecodedText(text: string): ReferenceMessage[] {
  const out: ReferenceMessage[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    const p = PACKET_RE.exec(l);
    const g = p ? undefined : LOG_RE.exec(l);
    if (!p && !g) continue;
    const fields: Record<string, string> = {};
    // The JSON block: `{`, one "key": "value" per line, `}`. Parsed line by line
    // because the tool writes trailing commas and spaces JSON.parse would reject.
    let j = i + 1;
    if ((lines[j] ?? '').trim() === '{') {
      for (j = j + 1; j < lines.length && (lines[j] as string).trim() !== '}'; j++) {
        const f = FIELD_RE.exec(lines[j] as string);
        if (f) fields[f[1] as string] = f[2] as string;
      }
    }
    if (p) out.push({ frame: Number(p[1]), timeText: p[2] as string, exiHex: (p[3] as string).toLowerCase(), fields, line: i + 1 });
    else if (g) out.push({ timeText: g[1] as string, marker: g[2] as string, exiHex: (g[3] as string).toLowerCase(), fields, line: i + 1 });
    i = j;
  }
  return out;
}

export interface ReferenceValue {
  readonly timeText: string;
  readonly name: string;
  readonly value: number;
}

export function parseValuesText(text: string): ReferenceValue[] {
  const out: ReferenceValue[] = [];
  for (const l of text.split(/\r?\n/)) {
    const m = /^\[([^\]]+)\] (\w+)=(-?[\d.]+(?:e-?\d+)?)\s*$/.exec(l);
    if (m) out.push({ timeText: m[1] as string, name: m[2] as string, value: Number(m[3]) });
  }
  return out;
}

/** Seconds since midnight of a `YYYY-MM-DD HH:MM:SS.ffffff` / ISO time text, ignoring the zone. */
export function secondsOfDay(timeText: string): number | undefined {
  const m = /(\d\d):(\d\d):(\d\d(?:\.\d+)?)/.exec(timeText);
  if (!m) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}
