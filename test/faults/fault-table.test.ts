// Fault-injection table: the whole in-memory stack (SLAC over the modem
// emulator, SDP, TCP, EXI, both V2G machines, the sim board) on XState's
// SimulatedClock, one run per scenario. A superset of pyPLC's 16-case
// testsuite (pyplc-inventory §4) plus silent peers, FAILED codes at every
// step, EVSE status codes, isolation faults, hardware faults, transport and
// link faults, unplug at every step and SDP faults.
//
// Each row states the expected end of the EV's connection manager and the
// invariants that must hold whatever happened: the safety monitor saw no
// violation; afterwards the contactors are open and the connector unlocked
// (except where a hardware fault makes keeping it locked the safe answer, and
// then the row names the lock state it ends in).
//
// Rows with a misbehaving car (issue 8): the car's request goes on the wire as
// another one (skippingCar), so the charger sees exactly the skipped sequence;
// those rows also check the charger side — its answer and that its power
// supply was never given a target.
// The table is printed to stdout and written to $TMPDIR/tsplc-fault-table.txt
// (outside the tree, so a test run never dirties the checkout).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SimulatedClock } from 'xstate';
import type { LockState } from '../../src/ports/hardware.js';
import { exiCodec } from '../../src/runtime/exi-codec.js';
import type { V2gCodec } from '../../src/runtime/v2g-transport.js';
import type { HardwareCommand } from '../../src/domain/safety/events.js';
import type { StatusUpdate } from '../../src/status.js';
import { dialectFor } from '../../src/domain/v2g/dialects/index.js';
import { parseFaultScenario } from '../../src/domain/v2g/faults.js';
import type { DcEvStatus, RequestKind, V2gRequest } from '../../src/domain/v2g/model.js';
import type { Sim, SimOptions } from '../../src/runtime/sim.js';
import { runStack } from '../stack/harness.js';
import type { V2gEvEndCode, V2gEvEndReason, V2gEvOutput } from '../../machines/v2g-ev/types.js';
import type { EvConnectionManagerOutput } from '../../machines/connection-manager/ev.js';
import type { LayerFailureCode } from '../../src/domain/connection/failure.js';
import type { ConnectionEndCode } from '../../src/domain/connection/end-cause.js';

type End = 'ChargingFinished' | 'SafeShutdown' | 'GaveUp';

interface Row {
  readonly name: string;
  /** EVSE fault rules in the command-line form of src/domain/v2g/faults.ts. */
  readonly faults?: string;
  readonly protocol?: 'din' | 'iso2';
  readonly options?: Partial<SimOptions>;
  /** Called once before the run starts (hooks on the status bus act at the exact checkpoint). */
  readonly start?: (sim: Sim, clock: SimulatedClock) => void;
  readonly expect: End;
  /** The EV session's end (V2gEvOutput.end): its code and, where given, these detail values. */
  readonly end?: { readonly code: V2gEvEndCode; readonly detail?: Readonly<Record<string, string | number | boolean>> };
  /** The manager's cause code (EvConnectionManagerOutput.cause). */
  readonly cause?: ConnectionEndCode;
  /** A layer failure code that the manager backed off or gave up on in this run. */
  readonly failure?: LayerFailureCode;
  /** After the end the connector stays locked (hardware fault: unlocking would be unsafe or impossible). */
  readonly staysLocked?: boolean;
  /** The lock state at the end when it is not 'unlocked' (default) or, with staysLocked, 'locked'. */
  readonly lockEnd?: LockState;
  /** The contactors stay closed (welded). */
  readonly contactorsStayClosed?: boolean;
  /** A known defect elsewhere: the row is expected to fail (it.fails) and the table says why. */
  readonly knownIssue?: string;
  /** Checkpoints that must NOT be reached (e.g. no charging after a failed CableCheck). */
  readonly notReached?: readonly number[];
  /** The charger answers this request with FAILED_SequenceError (a car that skipped a step). */
  readonly evseRefuses?: RequestKind;
  /** The charger's power supply never gets a target (setTarget) in the whole run. */
  readonly supplyNeverTargeted?: boolean;
  /** The car's SafeShutdownSequence records exactly these faults (codes, in order). */
  readonly shutdownFaults?: readonly string[];
  /** One of those faults' messages matches (e.g. the current at which the contactors were opened). */
  readonly shutdownFaultMessage?: RegExp;
}

/**
 * A car that skips a step: the `occurrence`-th `from` request it sends goes on the wire as `to(request)`,
 * with the same SessionID, so the charger sees the skipped sequence. The car itself then meets a
 * response of the wrong type and shuts down; what matters is what the charger did.
 */
function skippingCar(from: RequestKind, to: (evStatus: DcEvStatus) => V2gRequest, occurrence = 1): V2gCodec {
  let rewritten = false;
  let seen = 0;
  return {
    decode: (schema, exi) => exiCodec.decode(schema, exi),
    encode: (schema, doc) => {
      if (!rewritten && (schema === 'din' || schema === 'iso2')) {
        const d = dialectFor(schema);
        const r = d.decodeRequest(doc);
        if (r.ok && r.value.body.kind === from && ++seen === occurrence) {
          rewritten = true;
          const body = r.value.body;
          const evStatus: DcEvStatus = 'evStatus' in body ? body.evStatus : { ready: true, errorCode: 'NO_ERROR', soc: 20 };
          const out = d.encodeRequest(r.value.sessionId, to(evStatus));
          if (!out.ok) throw new Error(`skippingCar: ${out.error.message}`);
          return exiCodec.encode(schema, out.value);
        }
      }
      return exiCodec.encode(schema, doc);
    },
  };
}

/** The session end matches the row's: same code, and every detail value the row names is equal. */
function endMatches(want: NonNullable<Row['end']>, got: V2gEvEndReason): boolean {
  if (got.code !== want.code) return false;
  const detail = got.detail as Readonly<Record<string, unknown>>;
  return Object.entries(want.detail ?? {}).every(([k, v]) => detail[k] === v);
}

const preChargeReq = (evStatus: DcEvStatus): V2gRequest => ({ kind: 'PreCharge', evStatus, targetVoltage: 380, targetCurrent: 2 });
const powerDeliveryStartReq = (evStatus: DcEvStatus): V2gRequest => ({ kind: 'PowerDelivery', progress: 'Start', saScheduleTupleId: 1, dc: { evStatus, chargingComplete: false } });

/**
 * SIGKILL of the charger mid-CurrentDemand (issue 8, defect 8): the kernel resets its TCP connection and
 * nothing of it runs any more — no PowerDelivery, no output off. Its power supply holds the last setpoint
 * (a power module without its own watchdog does; the sim plant keeps what it was told, and the injected
 * 'current' fault makes sure no later command from the dying stack changes that).
 */
function killCharger(sim: Sim): void {
  sim.board.plant.injectFault({ supply: 'current' });
  sim.link.resetConnections();
  sim.evse.dispose();
}

/** When the EV reports checkpoint `cp` for the n-th time, run `act` once — synchronously, inside that transition. */
function at(cp: number, act: (sim: Sim, clock: SimulatedClock) => void, n = 1): Row['start'] {
  return (sim, clock) => {
    let seen = 0;
    const sub = sim.evStatus.updates$.subscribe((u) => {
      if (u.checkpoint === cp && ++seen === n) {
        sub.unsubscribe();
        act(sim, clock);
      }
    });
  };
}

const dinSteps = ['SessionSetup', 'ServiceDiscovery', 'PaymentServiceSelection', 'Authorization', 'ChargeParameterDiscovery', 'CableCheck', 'PreCharge', 'PowerDelivery', 'CurrentDemand'] as const;
const failedCodes = [
  'FAILED',
  'FAILED_SequenceError',
  'FAILED_ServiceIDInvalid',
  'FAILED_UnknownSession',
  'FAILED_ServiceSelectionInvalid',
  'FAILED_PaymentSelectionInvalid',
  'FAILED_CertificateExpired',
  'FAILED_SignatureError',
  'FAILED_NoCertificateAvailable',
  'FAILED_CertChainError',
  'FAILED_ChallengeInvalid',
  'FAILED_ContractCanceled',
  'FAILED_WrongChargeParameter',
  'FAILED_PowerDeliveryNotApplied',
  'FAILED_TariffSelectionInvalid',
  'FAILED_ChargingProfileInvalid',
  'FAILED_EVSEPresentVoltageToLow',
  'FAILED_WrongEnergyTransferType',
] as const;

const rows: Row[] = [
  // --- pyPLC's testsuite, 1–16 (EVSE injects, EV reports its end state) ---
  { name: 'pyPLC 1: SessionSetupRes FAILED_SequenceError', faults: 'SessionSetup:responseCode=FAILED_SequenceError', expect: 'SafeShutdown', notReached: [550, 700] },
  { name: 'pyPLC 2: CableCheckRes FAILED', faults: 'CableCheck:responseCode=FAILED', expect: 'SafeShutdown', notReached: [570, 700] },
  { name: 'pyPLC 3: ServiceDiscoveryRes FAILED_SequenceError', faults: 'ServiceDiscovery:responseCode=FAILED_SequenceError', expect: 'SafeShutdown', notReached: [550] },
  { name: 'pyPLC 4: ServicePaymentSelectionRes FAILED_SequenceError', faults: 'PaymentServiceSelection:responseCode=FAILED_SequenceError', expect: 'SafeShutdown', notReached: [550] },
  { name: 'pyPLC 5: ContractAuthenticationRes FAILED_SequenceError', faults: 'Authorization:responseCode=FAILED_SequenceError', expect: 'SafeShutdown', notReached: [550] },
  { name: 'pyPLC 6: ChargeParameterDiscoveryRes FAILED_ServiceSelectionInvalid', faults: 'ChargeParameterDiscovery:responseCode=FAILED_ServiceSelectionInvalid', expect: 'SafeShutdown', notReached: [550] },
  // A slower supply (150 V/s) makes PreCharge take many rounds, so the 3rd one always exists.
  { name: 'pyPLC 7: PreChargeRes FAILED (3rd)', faults: 'PreCharge#3:responseCode=FAILED', options: { plant: { supply: { slewVoltsPerSecond: 150 } } }, expect: 'SafeShutdown', notReached: [590, 700] },
  { name: 'pyPLC 8: PowerDeliveryRes FAILED', faults: 'PowerDelivery:responseCode=FAILED', expect: 'SafeShutdown', notReached: [700] },
  { name: 'pyPLC 9: CurrentDemandRes FAILED (11th)', faults: 'CurrentDemand#11:responseCode=FAILED', expect: 'SafeShutdown' },
  { name: 'pyPLC 10: CableCheckRes missing', faults: 'CableCheck:noResponse', expect: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_Msg_Timeout_CableCheck' } }, notReached: [570] },
  { name: 'pyPLC 11: PreChargeRes missing', faults: 'PreCharge:noResponse', expect: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'V2G_EVCC_Msg_Timeout_PreCharge' } }, notReached: [590] },
  // EVSE_Shutdown is a charger-side stop (protocol-facts §5): PowerDelivery(stop), state B, WeldingDetection, SessionStop — an orderly end, no power ever flowed.
  { name: 'pyPLC 12: PreChargeRes EVSE_Shutdown → orderly stop', faults: 'PreCharge:evseStatusCode=EVSE_Shutdown', expect: 'ChargingFinished', end: { code: 'ChargerStop', detail: { evseStatusCode: 'EVSE_Shutdown' } }, notReached: [700] },
  // tsplc answers EVSE_Shutdown in the loop with a graceful PowerDelivery(stop) (pyPLC did not): a normal end.
  { name: 'pyPLC 13: CurrentDemandRes EVSE_Shutdown (21st) → graceful stop', faults: 'CurrentDemand#21+:evseStatusCode=EVSE_Shutdown', expect: 'ChargingFinished', end: { code: 'ChargerStop', detail: { evseStatusCode: 'EVSE_Shutdown' } } },
  { name: 'pyPLC 14: CurrentDemandRes EVSE_Malfunction', faults: 'CurrentDemand#5:evseStatusCode=EVSE_Malfunction', expect: 'SafeShutdown' },
  { name: 'pyPLC 15: CurrentDemandRes missing', faults: 'CurrentDemand#5:noResponse', expect: 'SafeShutdown', end: { code: 'Timeout', detail: { waitingFor: 'CurrentDemand' } } },
  { name: 'pyPLC 16: good case', expect: 'ChargingFinished', end: { code: 'SocTargetReached' } },

  // --- a silent peer at every step ---
  ...(['SessionSetup', 'ServiceDiscovery', 'PaymentServiceSelection', 'Authorization', 'ChargeParameterDiscovery', 'PowerDelivery'] as const).map(
    (k): Row => ({ name: `silent EVSE: no ${k}Res`, faults: `${k}:noResponse`, expect: 'SafeShutdown', end: { code: 'Timeout', detail: { waitingFor: k } }, notReached: [700] }),
  ),
  // pyPLC observation: ABB never answers WeldingDetectionReq, Alpitronic answers FAILED — the session still ends without a fault
  // (the contactors are already open and the EV measures the inlet itself).
  { name: 'silent EVSE: no WeldingDetectionRes at all (ABB)', faults: 'WeldingDetection#1+:noResponse', expect: 'ChargingFinished' },
  { name: 'WeldingDetectionRes FAILED (Alpitronic)', faults: 'WeldingDetection#1+:responseCode=FAILED', expect: 'ChargingFinished' },
  // Energy transfer is over and everything is open: a missing SessionStopRes does not make the end unsafe.
  { name: 'silent EVSE: no SessionStopRes', faults: 'SessionStop:noResponse', expect: 'ChargingFinished' },

  // --- every FAILED code at every DIN step (the session is over: SafeShutdown, [V2G2-ED2-1664…1667]) ---
  ...dinSteps.flatMap((k) =>
    failedCodes.map(
      (c): Row => ({
        name: `${k}Res ${c}${k === 'CurrentDemand' ? ' (3rd)' : ''}`,
        faults: `${k}${k === 'CurrentDemand' ? '#3' : ''}:responseCode=${c}`,
        expect: 'SafeShutdown',
        end: { code: 'ResponseCodeFailed', detail: { request: k, responseCode: c } },
        // Before PowerDelivery(start) no charging may happen.
        ...(k === 'CurrentDemand' ? {} : { notReached: [700] }),
      }),
    ),
  ),

  // --- EVSE status codes and isolation ---
  { name: 'CurrentDemandRes EVSE_EmergencyShutdown', faults: 'CurrentDemand#4:evseStatusCode=EVSE_EmergencyShutdown', expect: 'SafeShutdown', end: { code: 'EvseStatusFault', detail: { evseStatusCode: 'EVSE_EmergencyShutdown' } } },
  // No source prescribes a reaction (protocol-facts §5): tsplc stops in order, like for EVSE_Shutdown.
  { name: 'CurrentDemandRes EVSE_UtilityInterruptEvent → orderly stop', faults: 'CurrentDemand#4:evseStatusCode=EVSE_UtilityInterruptEvent', expect: 'ChargingFinished', end: { code: 'ChargerStop', detail: { evseStatusCode: 'EVSE_UtilityInterruptEvent' } } },
  { name: 'PreChargeRes EVSE_EmergencyShutdown', faults: 'PreCharge:evseStatusCode=EVSE_EmergencyShutdown', expect: 'SafeShutdown', notReached: [590] },
  { name: 'CableCheckRes EVSE_Malfunction', faults: 'CableCheck+:evseStatusCode=EVSE_Malfunction'.replace('CableCheck+', 'CableCheck#1+'), expect: 'SafeShutdown', notReached: [570] },
  { name: 'CableCheck isolation Fault', faults: 'CableCheck#1+:isolation=Fault', expect: 'SafeShutdown', notReached: [570, 700] },
  { name: 'CableCheck isolation Invalid (EV refuses, IEC 61851-23)', faults: 'CableCheck#1+:isolation=Invalid', expect: 'SafeShutdown', notReached: [700] },
  { name: 'CurrentDemandRes notification StopCharging → graceful stop', faults: 'CurrentDemand#6+:notification=StopCharging', expect: 'ChargingFinished' },

  // --- hardware faults (sim board) ---
  { name: 'precharge never converging (charger output capped at 200 V)', options: { plant: { supply: { maxVoltage: 200 } } }, expect: 'SafeShutdown', end: { code: 'Timeout', detail: { waitingFor: 'PreCharge' } }, notReached: [590, 700] },
  { name: 'contactors never confirm', options: { plant: { faults: { contactors: 'never-confirms' } } }, expect: 'SafeShutdown', notReached: [700] },
  { name: 'connector lock fails to lock', options: { plant: { faults: { lock: 'fails-to-lock' } } }, expect: 'SafeShutdown', notReached: [560, 700] },
  { name: 'welded contactors: detected at the end, connector stays locked', options: { plant: { faults: { contactors: 'welded' } } }, expect: 'SafeShutdown', end: { code: 'Timeout', detail: { timer: 'Contactor_Timeout' } }, staysLocked: true, contactorsStayClosed: true },
  { name: 'charger current never drops on stop (supply ignores setpoints)', start: at(705, (s) => s.board.plant.injectFault({ supply: 'current' }), 5), expect: 'SafeShutdown', staysLocked: true, contactorsStayClosed: true },

  // --- transport and link faults ---
  { name: 'TCP reset mid CurrentDemand loop', start: at(705, (s) => s.link.resetConnections(), 5), expect: 'SafeShutdown', end: { code: 'TransportClosed', detail: { close: 'reset' } } },
  {
    name: 'EVSE modem restarts mid-session (link down 3 s)',
    start: at(
      705,
      (s, clock) => {
        s.modems.setUp('evse', false);
        clock.setTimeout(() => s.modems.setUp('evse', true), 3000);
      },
      5,
    ),
    expect: 'SafeShutdown',
    end: { code: 'Timeout' },
  },
  { name: 'garbage on the TCP stream mid-loop', start: at(705, (s) => (s.evse.actor.getSnapshot().context as { connection: { write(b: Uint8Array): void } }).connection.write(new Uint8Array([0x01, 0xfe, 0x12, 0x34, 0, 0, 0, 0])), 3), expect: 'SafeShutdown' },
  // The failure code is looked for among every back-off of the run: later attempts may fail earlier (the EVSE is still waiting for TCP, not in SLAC).
  { name: 'SDP never answered', options: { sdpFaults: { silent: true }, maxAttempts: 2 }, expect: 'GaveUp', cause: 'LayerFailed', failure: 'SDP_NO_RESPONSE', notReached: [301] },
  { name: 'charger announces a wrong TCP port', options: { sdpFaults: { announcePort: 50000 }, maxAttempts: 2 }, expect: 'GaveUp', cause: 'LayerFailed', failure: 'TCP_CONNECT_REFUSED', notReached: [400] },

  // --- unplug at every step ---
  ...([
    [100, 'SLAC'],
    [200, 'SDP'],
    [500, 'SessionSetup'],
    [540, 'ChargeParameterDiscovery'],
    [560, 'CableCheck'],
    [570, 'PreCharge'],
    [700, 'CurrentDemand'],
    [850, 'WeldingDetection'],
  ] as const).map(([cp, step]): Row => ({ name: `unplug during ${step} (checkpoint ${cp})`, start: at(cp, (s) => s.board.plant.unplug()), expect: 'SafeShutdown', cause: 'Unplugged' })),

  // --- a car that skips DC steps (issue 8, defect 3): the charger refuses, its supply is never given a target ---
  ...(['din', 'iso2'] as const).flatMap((protocol): Row[] => {
    const p = protocol === 'din' ? 'DIN' : 'ISO-2';
    const refused = { expect: 'SafeShutdown' as const, supplyNeverTargeted: true, notReached: [590, 700] };
    return [
      { name: `${p}: car skips CableCheck (PreChargeReq after ChargeParameterDiscovery) → FAILED_SequenceError`, protocol, options: { codec: skippingCar('CableCheck', preChargeReq) }, evseRefuses: 'PreCharge', end: { code: 'UnexpectedResponse', detail: { expected: 'CableCheck', got: 'PreCharge' } }, ...refused },
      // The sim's isolation check takes 2 s: the car's second CableCheckReq still gets Ongoing, and it does not wait for Finished.
      { name: `${p}: car goes on to PreCharge while CableCheck is still Ongoing → FAILED_SequenceError`, protocol, options: { codec: skippingCar('CableCheck', preChargeReq, 2) }, evseRefuses: 'PreCharge', end: { code: 'UnexpectedResponse', detail: { expected: 'CableCheck', got: 'PreCharge' } }, ...refused },
      { name: `${p}: car skips PreCharge (PowerDeliveryReq(Start) after CableCheck) → FAILED_SequenceError`, protocol, options: { codec: skippingCar('PreCharge', powerDeliveryStartReq) }, evseRefuses: 'PowerDelivery', end: { code: 'UnexpectedResponse', detail: { expected: 'PreCharge', got: 'PowerDelivery' } }, ...refused },
      { name: `${p}: car sends PowerDeliveryReq(Start) straight after ChargeParameterDiscovery → FAILED_SequenceError`, protocol, options: { codec: skippingCar('CableCheck', powerDeliveryStartReq) }, evseRefuses: 'PowerDelivery', end: { code: 'UnexpectedResponse', detail: { expected: 'CableCheck', got: 'PowerDelivery' } }, ...refused },
    ];
  }),

  // --- the charger dies mid-charge (issue 8, defect 8) ---
  // SIGKILL of the charger in the CurrentDemand loop: the car cannot lower the charger's current. Its
  // SafeShutdownSequence asks for 0 A and sets CP state B, waits currentDropDeadline (2 s), then opens its
  // contactors under load as the last resort (CURRENT_DID_NOT_DROP, logged as a fault; the safety monitor's
  // deadline rule allows exactly that step). The charger's output stays live on the cable, so the inlet never
  // becomes safe (INLET_VOLTAGE_NOT_SAFE) and the connector stays locked: correct, the cable is live.
  // docs/user-manual.md § "When the charger dies mid-charge" says what a real installation needs here.
  {
    name: 'charger killed (SIGKILL) mid-CurrentDemand → 2 s fallback, contactors opened under load, connector stays locked',
    start: at(705, (s) => killCharger(s), 5),
    expect: 'SafeShutdown',
    end: { code: 'TransportClosed', detail: { close: 'reset' } },
    shutdownFaults: ['CURRENT_DID_NOT_DROP', 'INLET_VOLTAGE_NOT_SAFE'],
    // Opened under load: the charger was delivering about 100 A (the car's request) when it died.
    shutdownFaultMessage: /^current still (9\d|1\d\d)(\.\d+)? A after 2000 ms/,
    staysLocked: true,
    lockEnd: 'locked',
  },

  // --- ISO 15118-2 spot checks ---
  { name: 'ISO-2: CurrentDemandRes FAILED (5th)', protocol: 'iso2', faults: 'CurrentDemand#5:responseCode=FAILED', expect: 'SafeShutdown' },
  { name: 'ISO-2: AuthorizationRes missing', protocol: 'iso2', faults: 'Authorization:noResponse', expect: 'SafeShutdown', end: { code: 'Timeout', detail: { waitingFor: 'Authorization' } } },
  { name: 'ISO-2: good case', protocol: 'iso2', expect: 'ChargingFinished' },
];

interface Result {
  readonly name: string;
  readonly expected: End;
  readonly actual: string;
  readonly reason: string;
  readonly lastCheckpoint: number;
  readonly virtualS: number;
  readonly violations: string;
  /** The car's SafeShutdownSequence faults. */
  readonly shutdownFaults: string;
  readonly pass: boolean;
}

const results: Result[] = [];

afterAll(() => {
  const w = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));
  const lines = [
    `tsplc fault-injection table — ${results.length} scenarios, ${results.filter((r) => r.pass).length} as expected`,
    `${w('scenario', 76)} ${w('expected', 16)} ${w('actual', 16)} ${w('last cp', 8)} ${w('virt s', 8)} ${w('violations', 12)} ${w('shutdown faults', 44)} reason`,
    ...results.map(
      (r) => `${w(r.name, 76)} ${w(r.expected, 16)} ${w(r.actual, 16)} ${w(String(r.lastCheckpoint), 8)} ${w(r.virtualS.toFixed(1), 8)} ${w(r.violations || 'none', 12)} ${w(r.shutdownFaults || 'none', 44)} ${r.reason}`,
    ),
  ];
  const text = lines.join('\n') + '\n';
  const file = join(tmpdir(), 'tsplc-fault-table.txt');
  writeFileSync(file, text);
  process.stdout.write(text + `(written to ${file})\n`);
});

describe('fault-injection table (whole stack, virtual time)', () => {
  it('has at least 40 scenarios and every fault string parses', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    for (const r of rows) if (r.faults) expect(parseFaultScenario(r.faults).ok, r.faults).toBe(true);
  });

  for (const row of rows) {
    (row.knownIssue ? it.fails : it)(row.knownIssue ? `${row.name} [KNOWN ISSUE: ${row.knownIssue}]` : row.name, async () => {
      const scenario = row.faults ? parseFaultScenario(row.faults, row.name) : undefined;
      if (scenario && !scenario.ok) throw new Error(scenario.error.message);
      const supplyCommands: HardwareCommand[] = [];
      const evseUpdates: StatusUpdate[] = [];
      const r = await runStack({
        protocol: row.protocol ?? 'din',
        ...(scenario?.ok ? { faults: scenario.value } : {}),
        maxVirtualMs: 300_000,
        stepMs: 20,
        ...row.options,
        onStart: (sim, clock) => {
          sim.board.evse.commands$.subscribe((c) => c.port === 'powerSupply' && supplyCommands.push(c));
          sim.evseStatus.updates$.subscribe((u) => evseUpdates.push(u));
          row.start?.(sim, clock);
        },
      });
      const snap = r.sim.ev.actor.getSnapshot();
      const out = snap.status === 'done' ? (snap.output as EvConnectionManagerOutput) : undefined;
      const session = out?.session as V2gEvOutput | undefined;
      const actual = out?.end ?? `running:${JSON.stringify(snap.value)}`;
      const failureCodes = [...r.logs.lines.filter((l) => l.message === 'runtime backoff').map((l) => String(l.fields?.code ?? '')), ...(out?.failure ? [out.failure.code] : [])];
      // For the table: the codes, then the human text.
      const reason = [out?.cause.code, session?.end.code, ...new Set(failureCodes)].filter(Boolean).join(' / ') + (out?.reason ? ` — ${out.reason}` : '');
      const lastCheckpoint = r.checkpoints.ev.length ? Math.max(...r.checkpoints.ev.filter((c) => c < 1000)) : 0;
      const plant = r.sim.board.plant;
      const violations = r.violations.map((v) => v.code).join(',');
      const faultCodes = r.sim.ev.shutdowns.flatMap((o) => o.faults.map((f) => f.code));
      const faultMessages = r.sim.ev.shutdowns.flatMap((o) => o.faults.map((f) => f.message));
      const checks: [boolean, string][] = [
        [actual === row.expect, `end ${actual}, expected ${row.expect}`],
        [!row.end || (session !== undefined && endMatches(row.end, session.end)), `session end ${JSON.stringify(session?.end)}, expected ${JSON.stringify(row.end)}`],
        [!row.cause || out?.cause.code === row.cause, `cause ${out?.cause.code ?? 'none'}, expected ${row.cause}`],
        [!row.failure || failureCodes.includes(row.failure), `layer failures ${failureCodes.join(',') || 'none'}, expected ${row.failure} among them`],
        [r.violations.length === 0, `safety violations: ${violations}`],
        [row.contactorsStayClosed ? true : plant.contactorsFeedback.value === false, 'contactors still closed at the end'],
        [plant.lockState.value === (row.lockEnd ?? (row.staysLocked ? 'locked' : 'unlocked')), `lock ${plant.lockState.value} at the end, expected ${row.lockEnd ?? (row.staysLocked ? 'locked' : 'unlocked')}`],
        ...(row.notReached ?? []).map((c): [boolean, string] => [!r.checkpoints.ev.includes(c), `checkpoint ${c} reached`]),
        ...(row.evseRefuses
          ? [[evseUpdates.some((u) => u.state === `${row.evseRefuses}Res` && u.details?.responseCode === 'FAILED_SequenceError'), `the charger did not answer ${row.evseRefuses}Req with FAILED_SequenceError`] as [boolean, string]]
          : []),
        ...(row.supplyNeverTargeted
          ? [[!supplyCommands.some((c) => c.command === 'setTarget'), `the charger's supply got ${supplyCommands.filter((c) => c.command === 'setTarget').length} setTarget calls`] as [boolean, string]]
          : []),
        ...(row.shutdownFaults
          ? [[faultCodes.join(',') === row.shutdownFaults.join(','), `shutdown faults ${faultCodes.join(',') || 'none'}, expected ${row.shutdownFaults.join(',')}`] as [boolean, string]]
          : []),
        ...(row.shutdownFaultMessage
          ? [[faultMessages.some((m) => row.shutdownFaultMessage?.test(m)), `no shutdown fault message matches ${String(row.shutdownFaultMessage)}: ${faultMessages.join(' | ')}`] as [boolean, string]]
          : []),
      ];
      const failures = checks.filter(([ok]) => !ok).map(([, m]) => m);
      const shutdownFaults = faultCodes.join(',');
      results.push({ name: row.knownIssue ? `${row.name} [KNOWN ISSUE]` : row.name, expected: row.expect, actual, reason, lastCheckpoint, virtualS: r.clock.now() / 1000, violations, shutdownFaults, pass: failures.length === 0 });
      r.sim.dispose();
      expect(failures, `${row.name}: ${failures.join('; ')}`).toEqual([]);
    });
  }
});
