// All six schema codecs, loaded together: the table behind index.ts's decode/encode and the
// JSON view (json.ts), for the tools that meet any schema (decode, exi, relay, sim). A role
// that needs only the schemas it negotiates loads them one by one instead (load.ts).
import type { DocumentBySchema, SchemaCodec, SchemaId } from './codec.js';
import { codec as appHandCodec } from './schemas/appHand.js';
import { codec as dinCodec } from './schemas/din.js';
import { codec as iso2Codec } from './schemas/iso2.js';
import { codec as iso20CommonCodec } from './schemas/iso20Common.js';
import { codec as iso20DcCodec } from './schemas/iso20Dc.js';
import { codec as iso20AcCodec } from './schemas/iso20Ac.js';

export { appHandCodec, dinCodec, iso2Codec, iso20CommonCodec, iso20DcCodec, iso20AcCodec };

export const CODECS: { [K in SchemaId]: SchemaCodec<DocumentBySchema[K]> } = {
  appHand: appHandCodec,
  din: dinCodec,
  iso2: iso2Codec,
  'iso20-common': iso20CommonCodec,
  'iso20-dc': iso20DcCodec,
  'iso20-ac': iso20AcCodec,
};

export function codecFor<S extends SchemaId>(schema: S): SchemaCodec<DocumentBySchema[S]> {
  return CODECS[schema];
}
