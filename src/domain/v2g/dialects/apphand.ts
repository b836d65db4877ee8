// The application handshake (urn:iso:15118:2:2010:AppProtocol, V2G_CI_AppProtocol.xsd):
// supportedAppProtocolReq/Res documents ⇄ neutral values, and the SECC's
// protocol choice.
import type { Result } from '../../../result.js';
import type { SupportedAppProtocolReqDocument, SupportedAppProtocolResDocument, V2gDocument } from '../document.js';
import { protocolNamespaces, type AppHandshakeResponse, type AppHandshakeResponseCode, type AppProtocol, type Protocol } from '../model.js';
import type * as A from '../../../codecs/exi/generated/appHand.js';
import { as, fail, guard, Rd, type DialectError, type Obj } from './common.js';

const handshakeCodes: readonly AppHandshakeResponseCode[] = ['OK_SuccessfulNegotiation', 'OK_SuccessfulNegotiationWithMinorDeviation', 'Failed_NoNegotiation'];

/** The EV's offer: one entry per protocol, Priority 1 = most preferred, SchemaID 1…n in offer order. */
export function offerFor(protocols: readonly Protocol[]): AppProtocol[] {
  return protocols.map((p, i) => ({
    namespace: protocolNamespaces[p].namespace,
    versionMajor: protocolNamespaces[p].major,
    versionMinor: protocolNamespaces[p].minor,
    schemaId: i + 1,
    priority: i + 1,
  }));
}

export function encodeHandshakeRequest(offer: readonly AppProtocol[]): SupportedAppProtocolReqDocument {
  return {
    supportedAppProtocolReq: as<A.supportedAppProtocolReq>({
      AppProtocol: offer.map((a) => ({
        ProtocolNamespace: a.namespace,
        VersionNumberMajor: a.versionMajor,
        VersionNumberMinor: a.versionMinor,
        SchemaID: a.schemaId,
        Priority: a.priority,
      })),
    }),
  };
}

export function encodeHandshakeResponse(res: AppHandshakeResponse): SupportedAppProtocolResDocument {
  return { supportedAppProtocolRes: as<A.supportedAppProtocolRes>({ ResponseCode: res.responseCode, ...(res.schemaId !== undefined ? { SchemaID: res.schemaId } : {}) }) };
}

function root(doc: V2gDocument, name: string): Rd {
  if (typeof doc !== 'object' || doc === null || !(name in doc)) fail('NOT_HANDSHAKE', `expected ${name}, got ${Object.keys(doc ?? {}).join(',') || 'nothing'}`, name);
  return new Rd({ [name]: (doc as unknown as Obj)[name] }, '').obj(name);
}

export function decodeHandshakeRequest(doc: V2gDocument): Result<AppProtocol[], DialectError> {
  return guard(
    () =>
      root(doc, 'supportedAppProtocolReq')
        .list('AppProtocol')
        .map((a) => ({
          namespace: a.str('ProtocolNamespace'),
          versionMajor: a.num('VersionNumberMajor'),
          versionMinor: a.num('VersionNumberMinor'),
          schemaId: a.num('SchemaID'),
          priority: a.num('Priority'),
        })),
    { dialect: 'appHand' },
  );
}

export function decodeHandshakeResponse(doc: V2gDocument): Result<AppHandshakeResponse, DialectError> {
  return guard(() => {
    const r = root(doc, 'supportedAppProtocolRes');
    const schemaId = r.optNum('SchemaID');
    return { responseCode: r.enumOf('ResponseCode', handshakeCodes), ...(schemaId !== undefined ? { schemaId } : {}) };
  }, { dialect: 'appHand' });
}

export interface ProtocolChoice {
  readonly response: AppHandshakeResponse;
  readonly protocol?: Protocol;
}

/**
 * The SECC's choice: among the offered entries whose
 * namespace we speak, take the one earliest in our preference list (pyPLC
 * prefers DIN and ignores the car's Priority: a Tesla offers
 * `urn:tesla:din:2018` plus DIN, and ISO-2 was less tested with real cars).
 * Same major version → OK_SuccessfulNegotiation if the minor matches, else
 * …WithMinorDeviation; nothing acceptable → Failed_NoNegotiation without
 * SchemaID. The SchemaID is always echoed on success (an Alpitronic-era
 * lesson: some cars fail without it).
 */
export function chooseProtocol(offer: readonly AppProtocol[], preference: readonly Protocol[]): ProtocolChoice {
  for (const p of preference) {
    const ns = protocolNamespaces[p];
    const candidates = offer.filter((a) => a.namespace === ns.namespace && a.versionMajor === ns.major).sort((a, b) => a.priority - b.priority);
    const hit = candidates[0];
    if (hit)
      return {
        protocol: p,
        response: { responseCode: hit.versionMinor === ns.minor ? 'OK_SuccessfulNegotiation' : 'OK_SuccessfulNegotiationWithMinorDeviation', schemaId: hit.schemaId },
      };
  }
  return { response: { responseCode: 'Failed_NoNegotiation' } };
}
