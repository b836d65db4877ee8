// Timers and counters of SDP (ISO 15118-2 §7.10.1), in milliseconds. The
// standard names them, so the names are the standard's; the config's [sdp]
// keys are built from this object.

export interface SdpClientTimings {
  /** Wait for a response before the next request, ms. Default 250 ([V2G2-159]: at least 250 ms; pyPLC 500, ccs32clara 450). */
  readonly SDP_retry_interval: number;
  /** Requests before giving up. Default 50 ([V2G2-161] / [V2G-DC-849]). */
  readonly SDP_max_requests: number;
}

export const defaultSdpClientTimings: SdpClientTimings = { SDP_retry_interval: 250, SDP_max_requests: 50 };
