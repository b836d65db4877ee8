// Session records of `tsplc pev|evse` (logging.session_records_dir): a pcapng of everything the
// interface sees in both directions and a JSON-lines log of the V2G messages and status updates,
// one pair per session (src/runtime/recorder.ts writes them). The capture is a second AF_PACKET
// socket for all EtherTypes on the transmit tap too: the protocol port never sees its own frames,
// and a record without them shows requests without responses.
//
// Where one record ends and the next begins is decided by checkpoints: a new record when the next
// car or attempt begins after a session (or at the very start). The cut waits until the capture
// tap has gone quiet, as at exit: the last response and the FINs of the session just ended reach
// the tap after its status did, and belong to its record (seen in the kill tests: a charger's
// SessionStopRes opened the next record). Status updates meanwhile are held for the new record.
import { whenQuiet, type QuietWait } from './quiet.js';
import type { Subscription } from 'rxjs';
import { Checkpoint } from '../checkpoints.js';
import type { EthernetPort } from '../ports/ethernet.js';
import type { StatusBus, StatusUpdate } from '../status.js';
import { SessionRecorder, type RecorderOptions } from './recorder.js';
import type { WireRecord } from './v2g-transport.js';

/** The checkpoints where a car or an attempt begins: EVSE key set (1), plug inserted (3), CM_SLAC_PARM.REQ (100). */
export const RECORD_START_CHECKPOINTS: ReadonlySet<number> = new Set([Checkpoint.EvseKeySet, Checkpoint.PlugInserted, Checkpoint.SlacParmReq]);
/** The checkpoint that says a V2G session ran in the current record (supportedAppProtocol, 400). */
export const SESSION_CHECKPOINT = Checkpoint.SupportedAppProtocolReq;

/** A record is cut when the capture tap has been quiet this long… */
export const CAPTURE_QUIET_MS = 150;
/** …but never later than this after the cut was due. */
export const CAPTURE_DRAIN_MS = 1000;

export interface RecordCutState {
  /** A record is open. */
  readonly recording: boolean;
  /** The open record has seen a V2G session (SESSION_CHECKPOINT). */
  readonly sessionSeen: boolean;
  /** A cut waits for the tap to go quiet. */
  readonly cutPending: boolean;
}

/** What a status update means for the records: nothing, the first record, or a cut to the next. */
export type RecordStep = 'none' | 'start' | 'cut';

/** The record decision for one status update (pure). */
export function recordStep(s: RecordCutState, checkpoint: number | undefined): { readonly step: RecordStep; readonly state: RecordCutState } {
  const seen = s.sessionSeen || checkpoint === SESSION_CHECKPOINT;
  if (s.cutPending || checkpoint === undefined || !RECORD_START_CHECKPOINTS.has(checkpoint) || (s.recording && !seen)) return { step: 'none', state: { ...s, sessionSeen: seen } };
  if (!s.recording) return { step: 'start', state: { recording: true, sessionSeen: false, cutPending: false } };
  return { step: 'cut', state: { recording: true, sessionSeen: false, cutPending: true } };
}

export interface SessionRecordsOptions extends Omit<RecorderOptions, 'now'> {
  readonly status: StatusBus;
  /** Opens the capture tap (an AF_PACKET socket, etherTypes [], includeOutgoing). */
  readonly openCapture: () => EthernetPort;
  /** One turn of the event loop through its I/O (poll) phase (default setImmediate); a test seam. */
  readonly ioTurn?: () => Promise<void>;
}

export interface SessionRecords {
  readonly recorder: SessionRecorder;
  /** The V2G messages of the session, for the JSON-lines log. */
  wire(r: WireRecord): void;
  /** Waits for the tap to go quiet, closes the record, closes the capture socket. */
  close(): Promise<void>;
}

/** Opens the records; throws when the directory or the capture socket cannot be opened (nothing stays open then). */
export function openSessionRecords(o: SessionRecordsOptions): SessionRecords {
  const ioTurn = o.ioTurn ?? (() => new Promise<void>((r) => setImmediate(r)));
  const { status, openCapture, ioTurn: _ioTurn, ...recorderOptions } = o;
  const rec = new SessionRecorder(recorderOptions);
  const capture = openCapture();
  let state: RecordCutState = { recording: false, sessionSeen: false, cutPending: false };
  const held: StatusUpdate[] = [];
  let closing: Promise<void> | undefined;
  /** The quiet waits running (a pending cut's, close()'s): every frame read from the tap restarts them. */
  const waits = new Set<QuietWait>();
  /** Waits until the tap is quiet (src/runtime/quiet.ts); `hold` keeps the process alive meanwhile. */
  const quietWait = (hold: boolean): QuietWait => {
    const w = whenQuiet(CAPTURE_QUIET_MS, CAPTURE_DRAIN_MS, { ioTurn, hold });
    waits.add(w);
    void w.done.then(() => waits.delete(w));
    return w;
  };
  /** The quiet wait of the record cut that is pending (close() cancels it: a pending cut never holds the process). */
  let pendingCut: QuietWait | undefined;

  const frames: Subscription = capture.frames$.subscribe((f) => {
    for (const w of waits) w.activity();
    rec.frame(f.timestamp, f.data);
  });
  const updates: Subscription = status.updates$.subscribe((u) => {
    const next = recordStep({ ...state, recording: rec.current !== undefined }, u.checkpoint);
    state = next.state;
    if (next.step === 'start') rec.start();
    else if (next.step === 'cut') {
      const wait = (pendingCut = quietWait(false));
      void wait.done.then(() => {
        pendingCut = undefined;
        rec.start();
        state = { ...state, cutPending: false };
        for (const h of held.splice(0)) rec.status(h);
      });
    }
    if (state.cutPending) held.push(u);
    else rec.status(u);
  });

  return {
    recorder: rec,
    wire: (r) => rec.wire(r),
    close() {
      closing ??= (async () => {
        updates.unsubscribe();
        if (pendingCut) {
          pendingCut.cancel();
          waits.delete(pendingCut);
        }
        // The last frames (the final response, the FINs of the closed connection) reach the tap after the
        // session ended: let it go quiet before the record is closed, or a charger's record ends with a
        // request and no response.
        await quietWait(true).done;
        frames.unsubscribe();
        if (state.cutPending) for (const h of held.splice(0)) rec.status(h);
        rec.stop();
        capture.close();
      })();
      return closing;
    },
  };
}
