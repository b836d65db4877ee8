// Port: one HTTP(S) POST with a deadline (the SmartEVSE SOC callback, pyPLC's
// soc_callback URL; the listener's logging URL). Implemented by drivers/http/post.ts
// (node:http / node:https) and by its in-memory twin drivers/http/memory.ts (a
// scripted endpoint on the clock port). The contract both keep
// (test/ports/http.contract.test.ts): the promise never rejects; the result says
// ok, the HTTP status, or why not ('timeout', 'aborted', a socket error, 'HTTP <status>').

export interface HttpPostResult {
  readonly ok: boolean;
  /** HTTP status when a response arrived. */
  readonly status?: number;
  /** 'timeout', 'aborted', 'bad URL …', 'unsupported scheme …', a socket error message, or 'HTTP <status>'. */
  readonly error?: string;
  /** Time from the call to the result, ms (the driver's clock). */
  readonly ms: number;
}

export interface HttpPostOptions {
  /** Deadline covering connect, headers and body, ms. */
  readonly timeoutMs: number;
  readonly body?: string;
  readonly contentType?: string;
  /** Aborts the request (the result says 'aborted'). */
  readonly signal?: AbortSignalLike;
}

/** The part of the web-standard AbortSignal the drivers use (declared here: pure code compiles without the DOM and Node types). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** POSTs to url once; never rejects. */
export type HttpPost = (url: string, options: HttpPostOptions) => Promise<HttpPostResult>;
