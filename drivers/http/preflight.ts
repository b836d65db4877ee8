// What the HTTP driver and its twin check before anything goes on the wire, in one place so
// the twin cannot drift from the driver (the HTTP contract, test/ports/http.contract.test.ts):
// a URL that does not parse, a scheme other than http(s), a request aborted before it started.
import type { AbortSignalLike } from '../../src/ports/http.js';

export function preflight(url: string, signal: AbortSignalLike | undefined): { readonly url: URL } | { readonly error: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: `bad URL '${url}'` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { error: `unsupported scheme ${parsed.protocol}` };
  if (signal?.aborted) return { error: 'aborted' };
  return { url: parsed };
}
