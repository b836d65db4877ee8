// The status stream: every layer reports what it is doing as small typed
// updates; the runtime folds them into one snapshot (status$) that feeds the
// OLED, MQTT, logs and sd_notify STATUS.
import { BehaviorSubject, type Observable, Subject } from 'rxjs';
import type { Checkpoint } from './checkpoints.js';

export type Layer = 'modem' | 'slac' | 'sdp' | 'tcp' | 'handshake' | 'session' | 'shutdown' | 'listen' | 'hardware' | 'runtime' | 'chademo';

export interface StatusUpdate {
  readonly layer: Layer;
  /** State name of the reporting actor (e.g. 'WaitForAttenChar'). */
  readonly state: string;
  /** Checkpoint reached by this transition (src/checkpoints.ts), if any. */
  readonly checkpoint?: Checkpoint;
  /** Any other facts: peer MAC, attenuation, voltages, SOC, ... */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
  readonly time?: number;
}

export interface StatusSnapshot {
  readonly layers: Readonly<Partial<Record<Layer, StatusUpdate>>>;
  readonly lastCheckpoint?: Checkpoint;
  readonly updatedAt: number;
}

/** Collects updates from every layer and keeps the folded snapshot. */
export class StatusBus {
  private readonly updates = new Subject<StatusUpdate>();
  private readonly snapshot = new BehaviorSubject<StatusSnapshot>({ layers: {}, updatedAt: 0 });

  constructor(private readonly now: () => number = () => 0) {}

  readonly updates$: Observable<StatusUpdate> = this.updates.asObservable();
  readonly status$: Observable<StatusSnapshot> = this.snapshot.asObservable();

  report(update: StatusUpdate): void {
    const time = update.time ?? this.now();
    const u: StatusUpdate = { ...update, time };
    const prev = this.snapshot.getValue();
    this.snapshot.next({
      layers: { ...prev.layers, [u.layer]: u },
      ...(u.checkpoint !== undefined ? { lastCheckpoint: u.checkpoint } : prev.lastCheckpoint !== undefined ? { lastCheckpoint: prev.lastCheckpoint } : {}),
      updatedAt: time,
    });
    this.updates.next(u);
  }

  current(): StatusSnapshot {
    return this.snapshot.getValue();
  }
}
