// The TLS key log some test benches put inside the capture: dSPACE's benches broadcast each NSS key
// log line over UDP port 52345 while the session runs (seen in ISO-20_TLS13_DC_DS5366_Josev and
// ISO-2_DC_PnC_TLS_Contract_DS5366_RiseV2G, frames after the ClientHello). The lines arrive after the
// handshake they belong to, so `tsplc decode` collects them in a first pass over the file and then
// decrypts in the second, keeping every V2G message at its own frame.
import { LINKTYPE_ETHERNET, readCapture } from '../../codecs/capture/reader.js';
import { decodePacket } from '../../codecs/net/packet.js';
import { DSPACE_KEYLOG_PORT, addKeyLogText, emptyKeyLog, type TlsKeyLog } from './tls.js';

const latin1 = new TextDecoder('latin1');

/** Adds every key log line sent on UDP 52345 in the capture to `into`; returns the entries taken. */
export function keyLogFromCapture(bytes: Uint8Array, into: TlsKeyLog = emptyKeyLog()): { readonly keyLog: TlsKeyLog; readonly entries: number } {
  let entries = 0;
  for (const r of readCapture(bytes)) {
    if (!r.ok || r.value.linkType !== LINKTYPE_ETHERNET) continue;
    const p = decodePacket(r.value.data);
    if (!p.ok || p.value.transport?.kind !== 'udp') continue;
    const u = p.value.transport.udp;
    if (u.destinationPort !== DSPACE_KEYLOG_PORT && u.sourcePort !== DSPACE_KEYLOG_PORT) continue;
    entries += addKeyLogText(into, latin1.decode(u.payload));
  }
  return { keyLog: into, entries };
}
