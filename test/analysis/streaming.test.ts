// Streaming capture decode (issue 13): the analyser of `tsplc decode` keeps no decoded
// documents, so retained memory does not grow with the number of messages (a few hundred
// bytes per message at most with the session summary); a 16× capture decodes in a 256 MB
// heap; and a closed stdout (`tsplc decode FILE | head`) ends the command quietly with exit 0.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { createV2gAnalyser } from '../../src/tools/analysis/frame-analyser.js';
import { decodeCapture } from '../../src/codecs/capture/pipeline.js';
import { homePlugAnalyser } from '../../src/codecs/homeplug/analyser.js';
import { capturesDir } from '../shared.js';
import { needCaptures } from '../env.js';
import { multiplyCapture } from './multiply-capture.js';
import { CLI } from '../helpers/cli.js';

const hasCaptures = needCaptures();

// The decode loops below hand the event loop back every YIELD_EVERY items: one pass over the 16×
// capture is ~10 s of CPU (minutes on a loaded machine), and a worker that blocks that long ends the
// run with vitest's "Timeout calling onTaskUpdate" (docs/development.md).
const YIELD_EVERY = 1000;
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

// A 10-minute DIN charging session (5 722 V2G messages) whose copies decode independently.
const CAPTURE = '2023-04-26_atHome_IoniqWithBulbs10minutesTimeout.pcapng';
const COPIES = 16;

function gc(): void {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Feeds the 16× capture through one analyser (as `tsplc decode` does, items consumed and
 * dropped) and returns the heap growth per V2G message between the end of copy 2 and the end.
 */
async function growthPerMessage(file: Uint8Array, options: { summary: boolean; values: boolean }): Promise<{ perMessage: number; messages: number; analyser: ReturnType<typeof createV2gAnalyser> }> {
  const v2g = createV2gAnalyser(options);
  const recordsPerCopy = (await countRecords(file)) / COPIES;
  let items = 0;
  let messages = 0;
  let messagesAtMark = 0;
  let heapAtMark = 0;
  for (const item of decodeCapture(file, [homePlugAnalyser, v2g])) {
    if (++items % YIELD_EVERY === 0) await yieldToLoop();
    if (item.layer === 'v2g' && item.name !== 'error') messages++;
    if (heapAtMark === 0 && item.frame > 2 * recordsPerCopy) {
      heapAtMark = heapAfterGc();
      messagesAtMark = messages;
    }
  }
  for (const _ of v2g.finish());
  const heapEnd = heapAfterGc();
  return { perMessage: (heapEnd - heapAtMark) / (messages - messagesAtMark), messages, analyser: v2g };
}

async function countRecords(file: Uint8Array): Promise<number> {
  let n = 0;
  for (const _ of decodeCapture(file, [])) if (++n % YIELD_EVERY === 0) await yieldToLoop();
  return n;
}

describe.skipIf(!hasCaptures)('streaming capture decode', () => {
  const single = hasCaptures ? new Uint8Array(readFileSync(join(capturesDir, CAPTURE))) : new Uint8Array(0);
  const big = hasCaptures ? multiplyCapture(single, COPIES) : new Uint8Array(0);
  const dir = mkdtempSync(join(tmpdir(), 'tsplc-stream-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without summary or values the analyser retains nothing per message', async () => {
    const { perMessage, messages, analyser } = await growthPerMessage(big, { summary: false, values: false });
    expect(messages).toBe(COPIES * 5722);
    expect(analyser.retained().valueSamples).toBe(0);
    expect(analyser.sessions()).toEqual([]);
    console.log(`retained heap per message without summary: ${perMessage.toFixed(1)} bytes`);
    // Before: 3.3 KB per message (every decoded document kept). O(1) leaves only noise.
    expect(perMessage).toBeLessThan(30);
  }, 300_000);

  it('with the session summary it retains at most 300 bytes per message, and the summaries are whole', async () => {
    const { perMessage, analyser } = await growthPerMessage(big, { summary: true, values: false });
    const sessions = analyser.sessions();
    expect(sessions).toHaveLength(COPIES);
    for (const s of sessions) expect(s.messages).toBe(5722);
    console.log(`retained heap per message with the summary: ${perMessage.toFixed(1)} bytes`);
    expect(perMessage).toBeLessThanOrEqual(300);
  }, 300_000);

  it('tsplc decode of the 16× capture runs in a 256 MB heap (--max-old-space-size=256)', async () => {
    const file = join(dir, 'x16.pcap');
    writeFileSync(file, big);
    const outPath = join(dir, 'x16.txt');
    const fd = openSync(outPath, 'w');
    const child = spawn(process.execPath, ['--max-old-space-size=256', CLI, 'decode', file], { stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    closeSync(fd);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(readFileSync(outPath, 'utf8')).toMatch(new RegExp(`^session ${COPIES} \\(TCP connection \\d+\\): .* 5722 messages`, 'm'));
  }, 600_000);

  it('a closed stdout (tsplc decode FILE | head) ends quietly with exit 0', async () => {
    const child = spawn(process.execPath, [CLI, 'decode', join(capturesDir, CAPTURE)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read the first chunk, then close our end, as `head -1` does.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 120_000);
});
