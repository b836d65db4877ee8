// Every V2G EXI message in the shared captures decodes and re-encodes to the same bytes.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bytes.js';
import { decode, encode, type SchemaId } from '../../src/codecs/exi/index.js';
import { captureFiles, hasCaptures, missingSharedMessage } from '../shared.js';
import { captureMessagesAsync, type CaptureMessage } from './capture-messages.js';
import { needCaptures } from '../env.js';

if (!hasCaptures) console.warn(missingSharedMessage);

// tshark per capture as async child processes, two at a time (collected before the describe): a synchronous
// tshark per capture kept this worker's event loop blocked for minutes on a loaded machine (TSPLC_LOOP_LAG=1).
async function allMessages(files: readonly string[]): Promise<CaptureMessage[]> {
  const out: CaptureMessage[][] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < files.length; i = next++) out[i] = await captureMessagesAsync(files[i]!);
  };
  await Promise.all([lane(), lane()]);
  return out.flat();
}
const all: CaptureMessage[] = hasCaptures ? await allMessages(captureFiles()) : [];

describe.skipIf(!needCaptures())('EXI on real captures', () => {
  it('finds messages of every schema the captures carry', () => {
    const bySchema = new Map<SchemaId, number>();
    for (const m of all) bySchema.set(m.schema, (bySchema.get(m.schema) ?? 0) + 1);
    // Numbers as of the capture set described in ../shared/captures/README.md.
    expect(bySchema.get('din') ?? 0).toBeGreaterThan(30000);
    expect(bySchema.get('iso2') ?? 0).toBeGreaterThan(2000);
    expect(bySchema.get('appHand') ?? 0).toBeGreaterThan(50);
    expect(bySchema.get('iso20-common') ?? 0).toBeGreaterThan(0);
    expect(bySchema.get('iso20-ac') ?? 0).toBeGreaterThan(0);
    // Decrypted with the key log the test bench sends over UDP (ISO-20_TLS13_DC capture).
    expect(bySchema.get('iso20-dc') ?? 0).toBeGreaterThan(0);
  });

  it('decodes the xmldsig Signature of a real Plug & Charge AuthorizationReq (decrypted TLS capture)', () => {
    const signed = all.filter((m) => m.capture.startsWith('ISO-2_DC_PnC_TLS')).map((m) => decode('iso2', m.exi)).filter((r) => r.ok && r.value.V2G_Message?.Header.Signature !== undefined);
    expect(signed.length).toBeGreaterThan(0);
    const r = signed[0];
    if (!r?.ok) return;
    const sig = r.value.V2G_Message?.Header.Signature;
    expect(sig?.SignedInfo.SignatureMethod.Algorithm).toBe('http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256');
    expect(sig?.SignedInfo.Reference[0]?.DigestValue.length).toBe(32);
    expect(sig?.SignatureValue.$value.length).toBe(64);
    expect(r.value.V2G_Message?.Body.AuthorizationReq).toBeDefined();
  });

  it('decodes every message and re-encodes it byte for byte (trailing bytes reported, never accepted silently)', () => {
    const failures: string[] = [];
    const trailing = new Map<string, string[]>();
    let roundTrips = 0;
    for (const m of all) {
      const where = `${m.capture} frame ${m.frame} (${m.schema})`;
      const r = decode(m.schema, m.exi);
      let bytes = m.exi;
      let doc: unknown;
      if (r.ok) doc = r.value;
      else if (r.error.code === 'TRAILING_BYTES') {
        // The document itself is complete and usable; the extra bytes are visible to the caller.
        expect(r.error.trailingBytes).toBeGreaterThan(0);
        expect(r.error.document).toBeDefined();
        const hex = toHex(m.exi);
        trailing.set(hex, [...(trailing.get(hex) ?? []), where]);
        doc = r.error.document;
        bytes = m.exi.subarray(0, m.exi.length - (r.error.trailingBytes ?? 0));
      } else {
        failures.push(`${where}: ${r.error.code} ${r.error.message}`);
        continue;
      }
      const e = encode(m.schema, doc as never);
      if (!e.ok) failures.push(`${where}: re-encode ${e.error.code} ${e.error.message}`);
      else if (toHex(e.value) !== toHex(bytes)) failures.push(`${where}: re-encoded ${toHex(e.value)} != ${toHex(bytes)}`);
      else roundTrips++;
    }
    expect(failures).toEqual([]);
    expect(roundTrips).toBe(all.length);
    // The one known message with a trailing byte: an empty DIN ContractAuthenticationReq
    // followed by 0x00, sent by pyPLC (2024-04-20 Model Y session) and by the Tesla Model 3
    // (tesla-3-din.pcap). Same bytes apart from the SessionID.
    const kinds = [...trailing.keys()];
    expect(kinds.length).toBeGreaterThan(0);
    for (const hex of kinds) expect(hex.endsWith('b800')).toBe(true);
    for (const [hex] of trailing) {
      const r = decode('din', Uint8Array.from(Buffer.from(hex, 'hex')));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('TRAILING_BYTES');
        expect(r.error.trailingBytes).toBe(1);
        expect(Object.keys((r.error.document as { V2G_Message: { Body: object } }).V2G_Message.Body)).toEqual(['ContractAuthenticationReq']);
      }
    }
  });

  it('takes the schema of each stream from its supportedAppProtocol handshake', () => {
    const guessed = all.filter((m) => m.schemaFrom === 'guess');
    // Only the two sniffer captures that joined mid-session lack the handshake.
    expect(new Set(guessed.map((m) => m.capture)).size).toBeLessThanOrEqual(2);
  });
});
