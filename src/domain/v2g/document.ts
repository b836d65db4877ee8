// The document shapes the EXI codec (src/codecs/exi) decodes to and encodes from:
// property names are the XSD element names, optional elements are optional
// properties, maxOccurs > 1 gives arrays, enumerations are their string values,
// hexBinary/base64Binary are Uint8Array, integers are numbers. Members of a
// substitution group appear under their own element name (DC_EVSEStatus,
// DC_EVChargeParameter, SAScheduleList, ...).
//
// The dialects only need the envelope typed; the body is read defensively
// (a peer may send anything the grammar allows), so it stays `unknown` here.
import type { SchemaId } from './model.js';

export interface V2gMessageDocument {
  readonly V2G_Message: {
    readonly Header: {
      readonly SessionID: Uint8Array;
      readonly Notification?: { readonly FaultCode: string; readonly FaultMsg?: string };
    };
    readonly Body: Readonly<Record<string, unknown>>;
  };
}

export interface AppProtocolDocumentEntry {
  readonly ProtocolNamespace: string;
  readonly VersionNumberMajor: number;
  readonly VersionNumberMinor: number;
  readonly SchemaID: number;
  readonly Priority: number;
}

export interface SupportedAppProtocolReqDocument {
  readonly supportedAppProtocolReq: { readonly AppProtocol: readonly AppProtocolDocumentEntry[] };
}

export interface SupportedAppProtocolResDocument {
  readonly supportedAppProtocolRes: { readonly ResponseCode: string; readonly SchemaID?: number };
}

export type AppHandshakeDocument = SupportedAppProtocolReqDocument | SupportedAppProtocolResDocument;

/** Anything a V2G machine sends or receives; `schema` says which EXI grammar encodes it. */
export type V2gDocument = V2gMessageDocument | AppHandshakeDocument;

/** What a machine hands to the runtime for sending: the document and the grammar to encode it with. */
export interface OutgoingDocument {
  readonly schema: SchemaId;
  readonly doc: V2gDocument;
}
