// v2g-ev: the car's V2G session (EVCC) as an XState v5 statechart,
// protocol-neutral: a dialect (DIN 70121 or ISO 15118-2, chosen by the
// handshake) turns the neutral requests into documents and the responses
// back. No I/O: documents leave through the provided `send` action, hardware
// is commanded through provided actions, facts arrive as events, time only
// through named delays (the standard's timer names, see src/domain/v2g/config.ts).
//
// DC: SupportedAppProtocol (400) → SessionSetup (500) → ServiceDiscovery (510)
//   → PaymentServiceSelection (520) → Authorization loop (530) → ChargeParameterDiscovery loop (540)
//   → CP C (550) + lock (555/556) → CableCheck loop (560) → PreCharge loop (570)
//   → contactors closed (590) → PowerDelivery(Start) (600) → CurrentDemand loop (700)
//   → PowerDelivery(Stop) (800) → CP B (810), contactors open → WeldingDetection (850) → SessionStop (900).
// AC: … ChargeParameterDiscovery → lock → PowerDelivery(Start) → CP C → ChargingStatus loop
//   [→ MeteringReceipt] → PowerDelivery(Stop) → CP B → SessionStop.
// Any fatal condition (FAILED_* code, EVSE_EmergencyShutdown/Malfunction, a
// timeout, a lost connection, hardware not confirming) → SafeShutdown: the
// machine requests the SafeShutdownSequence and ends. Every end has a typed
// reason (types.ts V2gEvEndReason); what a response means is decided by the
// pure triageResponse (triage.ts), the states below only take its verdict.
import { assign, enqueueActions, not, raise } from 'xstate';
import { toHex } from '../../src/bytes.js';
import { nullLogger } from '../../src/ports/log.js';
import type { V2gDocument } from '../../src/domain/v2g/document.js';
import { v2gEvTimeoutDefaults } from '../../src/domain/v2g/config.js';
import { protocolNamespaces } from '../../src/domain/v2g/model.js';
import { documentDespiteError } from '../../src/domain/v2g/policy.js';
import { endReasonText } from './end-reason.js';
import type { V2gEvFinishReason } from './types.js';
import { Checkpoint } from '../../src/checkpoints.js';
import { type Event, report, endOf, io, toSafeShutdown, timeout, msgTimeout, v2gEvSetup } from './setup.js';

export const v2gEvMachine = v2gEvSetup.createMachine({
    id: 'v2gEv',
    context: ({ input }) => ({
      config: input.config,
      t: { ...v2gEvTimeoutDefaults, ...input.config.timeouts },
      logger: input.logger ?? nullLogger,
      battery: input.battery,
      source: undefined,
      protocol: undefined,
      // DIN/ISO-2: the first SessionSetupReq carries SessionID 0 (one zero byte, as real cars send).
      sessionId: new Uint8Array([0]),
      pending: undefined,
      lastCheckpoint: Checkpoint.TcpEstablished,
      evse: undefined,
      saScheduleTupleId: undefined,
      presentVoltage: undefined,
      presentCurrent: undefined,
      inletVoltage: undefined,
      measuredCurrent: undefined,
      lock: 'unlocked',
      lockConfirmed: false,
      contactorsClosed: false,
      cpC: false,
      stopReason: undefined,
      fatal: undefined,
      chargeLoopCount: 0,
      weldingRounds: 0,
      lastIsolation: undefined,
      meterInfo: undefined,
      receiptRequired: false,
      lastStatusCode: undefined,
    }),
    on: {
      'V2G.RES': { actions: 'handleResponse' },
      'RES.FATAL': { target: '.safeShutdown', actions: [{ type: 'fatal', params: ({ event }) => event.fatal }] },
      'V2G.TRANSPORT_CLOSED': toSafeShutdown<Extract<Event, { type: 'V2G.TRANSPORT_CLOSED' }>>(({ event }) => ({
        code: 'TransportClosed',
        detail: { ...(event.reason ? { reason: event.reason } : {}), ...(event.close ? { close: event.close } : {}) },
      })),
      'V2G.DECODE_ERROR': [
        {
          guard: 'documentDespiteError',
          actions: [
            ({ context, event }) => context.logger.log('warn', 'response with bytes after the EXI document: used anyway', { code: event.error.code }),
            raise(({ event }) => ({ type: 'V2G.RES' as const, doc: documentDespiteError(event.error) as V2gDocument })),
          ],
        },
        toSafeShutdown<Extract<Event, { type: 'V2G.DECODE_ERROR' }>>(({ event }) => ({ code: 'DecodeError', detail: { error: { code: event.error.code, message: event.error.message } } })),
      ],
      // Our own message did not encode (the transport's EXI encoder refused it): it did not go out, no answer will come.
      'V2G.ENCODE_ERROR': toSafeShutdown<Extract<Event, { type: 'V2G.ENCODE_ERROR' }>>(({ event }) => ({
        code: 'EncodeFailed',
        detail: { document: event.document, error: { code: event.error.code, message: event.error.message } },
      })),
      'HW.BATTERY': { actions: assign({ battery: ({ event }) => event.state }) },
      'SOURCE.CHARGE_PARAMETERS': { actions: assign({ source: ({ event }) => event.params }) },
      'HW.INLET_VOLTAGE': { actions: assign({ inletVoltage: ({ event }) => event.volts }) },
      'HW.CURRENT': { actions: assign({ measuredCurrent: ({ event }) => event.amps }) },
      'HW.CONTACTORS': { actions: assign({ contactorsClosed: ({ event }) => event.closed }) },
      'HW.LOCK': [
        { guard: 'lockLost', ...toSafeShutdown<Extract<Event, { type: 'HW.LOCK' }>>(({ event }) => ({ code: 'ConnectorLockLost', detail: { state: event.state } }), 'storeLock') },
        { actions: 'storeLock' },
      ],
      STOP_REQUEST: {
        actions: assign({
          stopReason: ({ context, event }): V2gEvFinishReason => context.stopReason ?? { code: 'UserStop', detail: event.reason ? { request: event.reason } : {} },
        }),
      },
    },
    initial: 'communicationSetup',
    states: {
      // --- handshake and session setup ---
      communicationSetup: {
        after: { V2G_EVCC_CommunicationSetup_Timeout: timeout('V2G_EVCC_CommunicationSetup_Timeout', 'CommunicationSetup') },
        initial: 'supportedAppProtocol',
        states: {
          supportedAppProtocol: {
            entry: 'sendHandshake',
            after: msgTimeout('SupportedAppProtocol'),
            on: {
              'HANDSHAKE.OK': {
                target: 'sessionSetup',
                actions: [
                  assign({ protocol: ({ event }) => event.protocol }),
                  { type: 'protocolSelected', params: ({ event }) => ({ protocol: event.protocol, schema: event.protocol }) },
                  {
                    type: 'checkpoint',
                    params: ({ event }) => ({ checkpoint: Checkpoint.ProtocolKnown, state: 'SupportedAppProtocolRes', details: { protocol: protocolNamespaces[event.protocol].namespace } }),
                  },
                ],
              },
            },
          },
          sessionSetup: {
            entry: { type: 'sendRequest', params: { kind: 'SessionSetup' } },
            after: msgTimeout('SessionSetup'),
            on: {
              'RES.OK': {
                // Stores the SessionID whatever its length (a Supercharger uses 4 bytes); OK is accepted
                // as well as OK_NewSessionEstablished (ABB) — both via the policy's OK* rule.
                target: '#v2gEv.serviceDiscovery',
                actions: [
                  assign({ sessionId: ({ event }) => event.sessionId }),
                  { type: 'reportStatus', params: ({ event }) => report('SessionEstablished', undefined, { sessionId: toHex(event.sessionId) }) },
                ],
              },
            },
          },
        },
      },
      // --- service discovery and payment ---
      serviceDiscovery: {
        entry: { type: 'sendRequest', params: { kind: 'ServiceDiscovery' } },
        after: msgTimeout('ServiceDiscovery'),
        on: {
          'RES.OK': [
            // ExternalPayment and our energy transfer mode must be offered (triage.ts).
            { guard: 'stepFatal', actions: 'fatalFromStep' },
            { target: 'paymentServiceSelection' },
          ],
        },
      },
      paymentServiceSelection: {
        entry: { type: 'sendRequest', params: { kind: 'PaymentServiceSelection' } },
        after: msgTimeout('PaymentServiceSelection'),
        on: { 'RES.OK': { target: 'authorization' } },
      },
      // --- authorization ---
      authorization: {
        // DIN needs the ContractAuthentication loop even with external payment (an Alpitronic answers
        // ChargeParameterDiscoveryReq with FAILED_SequenceError otherwise, pyplc-inventory §2).
        after: { V2G_EVCC_Ongoing_Timeout: timeout('V2G_EVCC_Ongoing_Timeout', 'Ongoing(Authorization)') },
        initial: 'request',
        states: {
          request: {
            entry: { type: 'sendRequest', params: { kind: 'Authorization' } },
            after: msgTimeout('Authorization'),
            on: {
              'RES.OK': [
                { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                { guard: 'stepNext', target: '#v2gEv.chargeParameterDiscovery', actions: { type: 'checkpoint', params: { checkpoint: Checkpoint.Authorized, state: 'Authorized' } } },
                { target: 'wait' },
              ],
            },
          },
          wait: {
            always: { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
            after: { Loop_Interval: 'request' },
          },
        },
      },
      // --- charge parameters ---
      chargeParameterDiscovery: {
        after: { V2G_EVCC_Ongoing_Timeout: timeout('V2G_EVCC_Ongoing_Timeout', 'Ongoing(ChargeParameterDiscovery)') },
        initial: 'request',
        states: {
          request: {
            entry: { type: 'sendRequest', params: { kind: 'ChargeParameterDiscovery' } },
            after: msgTimeout('ChargeParameterDiscovery'),
            on: {
              'RES.OK': [
                { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                // The charger's voltage window cannot serve the battery (triage.ts).
                { guard: 'stepFatal', actions: 'fatalFromStep' },
                { guard: 'stepNext', target: '#v2gEv.preparation', actions: 'storeChargeParameters' },
                { target: 'wait' },
              ],
            },
          },
          wait: {
            always: { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
            after: { Loop_Interval: 'request' },
          },
        },
      },
      // --- lock, cable check, precharge, contactors, PowerDelivery(Start): DC and AC share the lock ---
      preparation: {
        // DIN V2G_EVCC_ReadyToCharge_Timeout (DC only): ChargeParameterDiscovery finished → PowerDelivery(Start) answered.
        after: { V2G_EVCC_ReadyToCharge_Timeout: { guard: not('isAc'), ...timeout('V2G_EVCC_ReadyToCharge_Timeout', 'ReadyToCharge') } },
        initial: 'lockConnector',
        states: {
          lockConnector: {
            entry: ['cpStateCBeforeLock', 'lockConnector', { type: 'checkpoint', params: { checkpoint: Checkpoint.LockConnector, state: 'LockConnector' } }],
            always: [
              { guard: 'noLockHardware', target: 'locked' },
              { guard: 'lockReportedLocked', target: 'locked', actions: [assign({ lockConfirmed: true }), { type: 'checkpoint', params: { checkpoint: Checkpoint.Locked, state: 'Locked' } }] },
              { guard: 'lockReportedFault', ...toSafeShutdown({ code: 'ConnectorLockFault', detail: {} }) },
            ],
            after: {
              ConnectorLock_Timeout: timeout('ConnectorLock_Timeout', 'ConnectorLock'),
              // The next request must leave within the sequence performance time whatever the lock timeout is set to.
              V2G_EVCC_Sequence_Performance_Time: timeout('V2G_EVCC_Sequence_Performance_Time', 'SequencePerformance(ConnectorLock)'),
            },
          },
          locked: { always: [{ guard: 'isAc', target: 'acPowerDeliveryStart' }, { target: 'cableCheck' }] },
          // --- cable check (DC) ---
          cableCheck: {
            after: { V2G_EVCC_CableCheck_Timeout: timeout('V2G_EVCC_CableCheck_Timeout', 'CableCheck') },
            initial: 'request',
            states: {
              request: {
                entry: { type: 'sendRequest', params: { kind: 'CableCheck' } },
                after: msgTimeout('CableCheck', 'CableCheckRes'),
                on: {
                  'RES.OK': [
                    { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                    { guard: 'stepNext', target: '#v2gEv.preparation.preCharge' },
                    // Finished with an isolation that allows no charging, or none reported (triage.ts).
                    { guard: 'stepFatal', actions: 'fatalFromStep' },
                    { target: 'wait' },
                  ],
                },
              },
              wait: {
                always: { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                after: { Loop_Interval: 'request' },
              },
            },
          },
          // --- precharge (DC) ---
          preCharge: {
            after: { V2G_EVCC_PreCharge_Timeout: timeout('V2G_EVCC_PreCharge_Timeout', 'PreCharge') },
            initial: 'request',
            states: {
              request: {
                entry: { type: 'sendRequest', params: { kind: 'PreCharge' } },
                after: msgTimeout('PreCharge', 'PreChargeRes'),
                on: {
                  'RES.OK': [
                    { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge', actions: 'storePresent' },
                    { target: 'decide', actions: 'storePresent' },
                  ],
                },
              },
              decide: {
                always: [{ guard: 'prechargeConverged', target: '#v2gEv.preparation.checkInlet' }, { target: 'wait' }],
              },
              wait: {
                always: [
                  { guard: 'stopPending', target: '#v2gEv.stopBeforeCharge' },
                  { guard: 'inletAtPrechargeTarget', target: '#v2gEv.preparation.checkInlet' },
                ],
                after: { Loop_Interval: 'request' },
              },
            },
          },
          checkInlet: {
            always: [
              // pyPLC light-bulb demo: no battery behind the contactors, so no relay at precharge end (see currentDemand).
              { guard: 'lightBulbDemo', target: 'powerDeliveryStart' },
              {
                // A pyPLC to-do: the charger's EVSEPresentVoltage must match what our own inlet sensor measures before
                // the battery is switched onto the cable (a charger reporting a wrong voltage would make the precharge a lie).
                guard: 'inletImplausible',
                ...toSafeShutdown(({ context }) => ({
                  code: 'InletVoltageImplausible',
                  detail: { presentVoltage: context.presentVoltage, inletVoltage: context.inletVoltage, allowedDelta: context.config.inletPlausibilityDelta },
                })),
              },
              { target: 'closeContactors' },
            ],
          },
          closeContactors: {
            entry: ['closeContactors', { type: 'checkpoint', params: { checkpoint: Checkpoint.ContactorsClosed, state: 'CloseContactors' } }],
            always: [{ guard: 'contactorsConfirmedClosed', target: 'powerDeliveryStart' }],
            after: {
              // No auxiliary contact: give the relay its closing time before PowerDelivery(Start) lets the charger
              // move the voltage (found on the bench: without it the contacts met 30 V off the battery voltage).
              Contactor_CloseTime_WithoutFeedback: { guard: 'noContactorFeedback', target: 'powerDeliveryStart', actions: assign({ contactorsClosed: true }) },
              Contactor_Timeout: timeout('Contactor_Timeout', 'ContactorsClose'),
              V2G_EVCC_Sequence_Performance_Time: timeout('V2G_EVCC_Sequence_Performance_Time', 'SequencePerformance(ContactorsClose)'),
            },
          },
          // --- power delivery (start) ---
          powerDeliveryStart: {
            entry: { type: 'sendRequest', params: { kind: 'PowerDelivery' } },
            after: msgTimeout('PowerDelivery'),
            on: {
              'RES.OK': [
                // A stop that came while PowerDelivery(Start) was under way: straight to PowerDelivery(Stop).
                { guard: 'stopPending', target: '#v2gEv.powerDeliveryStop' },
                { target: '#v2gEv.currentDemand' },
              ],
            },
          },
          acPowerDeliveryStart: {
            entry: { type: 'sendRequest', params: { kind: 'PowerDelivery' } },
            after: msgTimeout('PowerDelivery'),
            on: {
              'RES.OK': {
                // ISO-2 [V2G2-847]: state C within 250 ms of PowerDeliveryRes(Start); the SECC then closes its contactor.
                // (A stop pending here is taken at the first ChargingStatus decision point.)
                target: '#v2gEv.chargingStatus',
                actions: [{ type: 'setCpState', params: { state: 'C' } }, assign({ cpC: true }), { type: 'checkpoint', params: { checkpoint: Checkpoint.CpStateC, state: 'CpStateC' } }],
              },
            },
          },
        },
      },
      // --- charge loop ---
      currentDemand: {
        // pyPLC light-bulb demo: the relay closes 2 s into the CurrentDemand loop (a lamp has no precharge to converge).
        after: { LightBulbDemo_ContactorDelay: { guard: 'lightBulbDemo', actions: ['closeContactors', { type: 'checkpoint', params: { checkpoint: Checkpoint.ContactorsClosed, state: 'CloseContactors' } }] } },
        initial: 'request',
        states: {
          request: {
            entry: { type: 'sendRequest', params: { kind: 'CurrentDemand' } },
            after: msgTimeout('CurrentDemand'),
            on: { 'RES.OK': { target: 'wait', actions: ['storePresent', 'requestStopIfDone'] } },
          },
          wait: {
            always: { guard: 'stopPending', target: '#v2gEv.powerDeliveryStop' },
            after: { ChargeLoop_Interval: 'request' },
          },
        },
        on: {
          'HW.CONTACTORS': { guard: 'contactorsDroppedUnasked', ...toSafeShutdown({ code: 'ContactorsOpenedDuringCharge', detail: {} }, 'markContactorsOpen') },
        },
      },
      chargingStatus: {
        initial: 'request',
        states: {
          request: {
            entry: { type: 'sendRequest', params: { kind: 'ChargingStatus' } },
            after: msgTimeout('ChargingStatus'),
            on: {
              'RES.OK': [
                { guard: 'meteringReceiptAsked', target: 'meteringReceipt', actions: ['storePresent', 'requestStopIfDone'] },
                { target: 'wait', actions: ['storePresent', 'requestStopIfDone'] },
              ],
            },
          },
          meteringReceipt: {
            entry: { type: 'sendRequest', params: { kind: 'MeteringReceipt' } },
            after: msgTimeout('MeteringReceipt'),
            on: { 'RES.OK': { target: 'wait' } },
          },
          wait: {
            always: { guard: 'stopPending', target: '#v2gEv.powerDeliveryStop' },
            after: { ChargeLoop_Interval: 'request' },
          },
        },
      },
      // --- stop ---
      powerDeliveryStop: {
        entry: { type: 'sendRequest', params: { kind: 'PowerDelivery', stop: true } },
        after: msgTimeout('PowerDelivery', 'PowerDelivery(Stop)'),
        on: {
          'RES.OK': [
            { guard: 'isAc', target: 'sessionStop', actions: 'cpStateBAfterCharge' },
            { target: 'openContactors', actions: 'cpStateBAfterCharge' },
          ],
        },
      },
      openContactors: {
        initial: 'waitCurrent',
        states: {
          waitCurrent: {
            // Contactors open only without load: wait for the measured current to fall to the limit.
            always: { guard: 'currentLow', target: 'opening' },
            after: {
              CurrentDecay_Timeout: [
                // No current sensor (no HW.CURRENT ever, the runtime replays the present facts at the
                // start): the timeout is the plain wait pyPLC and ccs32clara use after state B.
                { guard: 'noCurrentSensor', target: 'opening' },
                // The current did not decay: the session does not open under load itself. The
                // SafeShutdownSequence takes over (0 A, state B, its own deadline; opening after
                // that deadline is logged as the fault CURRENT_DID_NOT_DROP).
                toSafeShutdown(({ context }) => ({ code: 'CurrentNotDecayed', detail: { amps: context.measuredCurrent, limit: context.config.contactorOpenCurrentLimit } })),
              ],
            },
          },
          opening: {
            entry: 'openContactors',
            always: [
              { guard: 'noContactorFeedback', target: '#v2gEv.weldingDetection', actions: assign({ contactorsClosed: false }) },
              { guard: 'contactorsOpen', target: '#v2gEv.weldingDetection' },
            ],
            after: { Contactor_Timeout: timeout('Contactor_Timeout', 'ContactorsOpen (welded?)') },
          },
        },
      },
      // --- welding detection (DC) ---
      weldingDetection: {
        // ccs32clara: until < 40 V, at most 10 rounds. A FAILED answer (Alpitronic) or none (ABB) ends the
        // detection without failing the session (pyplc-inventory §1.3); the unlock still waits for a safe voltage.
        after: { WeldingDetection_Timeout: 'sessionStop' },
        initial: 'request',
        states: {
          request: {
            entry: [{ type: 'sendRequest', params: { kind: 'WeldingDetection' } }, assign({ weldingRounds: ({ context }) => context.weldingRounds + 1 })],
            after: { V2G_EVCC_Msg_Timeout_WeldingDetection: '#v2gEv.sessionStop' },
            on: {
              'RES.OK': [
                { guard: 'stepNext', target: '#v2gEv.sessionStop' },
                { target: 'decide', actions: 'storePresent' },
              ],
            },
          },
          decide: { always: [{ guard: 'weldingDone', target: '#v2gEv.sessionStop' }, { target: 'wait' }] },
          wait: { after: { Loop_Interval: 'request' } },
        },
      },
      stopBeforeCharge: {
        // A stop before power flowed: no PowerDelivery(Stop) needed (nothing was started); back to
        // state B, contactors open, then SessionStop.
        entry: enqueueActions(({ context, enqueue, check }) => {
          if (context.cpC) {
            io(enqueue)({ type: 'setCpState', params: { state: 'B' } });
            enqueue.assign({ cpC: false });
            enqueue.assign({ lastCheckpoint: Checkpoint.CpStateBAfterCharge });
            io(enqueue)({ type: 'reportStatus', params: report('CpStateB', Checkpoint.CpStateBAfterCharge) });
          }
          // Contactors closed here means the hardware reports them closed although no power was
          // started. Open them only when the measured current proves there is no load; otherwise they
          // stay closed, `finished` sees them closed and requests the SafeShutdownSequence, which
          // opens them in order (0 A, wait, deadline logged as a fault).
          if (context.contactorsClosed) {
            if (check('currentLow')) io(enqueue)('openContactors');
            else context.logger.log('warn', 'contactors closed at a stop before charging, current not proven low: left to the SafeShutdownSequence', { amps: context.measuredCurrent ?? 'unknown' });
          }
        }),
        always: 'sessionStop',
      },
      sessionStop: {
        entry: { type: 'sendRequest', params: { kind: 'SessionStop' } },
        after: { V2G_EVCC_Msg_Timeout_SessionStop: 'finished' },
        on: {
          'RES.OK': 'finished',
          // The SECC may close the connection right after SessionStopRes.
          'V2G.TRANSPORT_CLOSED': 'finished',
        },
      },
      // --- the two ends ---
      finished: {
        type: 'final',
        entry: enqueueActions(({ context, enqueue, check }) => {
          if (check('unlockSafe')) io(enqueue)('unlockConnector');
          // Voltage not (yet) safe or contactors not confirmed open: the SafeShutdownSequence waits for it.
          else io(enqueue)({ type: 'requestSafeShutdown', params: { reason: 'UnlockNotSafeAtSessionEnd' } });
          io(enqueue)({ type: 'reportStatus', params: report('ChargingFinished', undefined, { reason: endReasonText(endOf(context)) }) });
        }),
      },
      safeShutdown: {
        type: 'final',
        entry: enqueueActions(({ context, enqueue }) => {
          const reason = context.fatal ? endReasonText(context.fatal.end) : 'unknown';
          io(enqueue)({ type: 'requestSafeShutdown', params: { reason } });
          io(enqueue)({ type: 'reportStatus', params: report('SafeShutdown', undefined, { reason }) });
        }),
      },
    },
    output: ({ context }) => {
      const end = endOf(context);
      return {
        result: context.fatal ? 'SafeShutdown' : 'ChargingFinished',
        end,
        reason: endReasonText(end),
        lastCheckpoint: context.lastCheckpoint,
        ...(context.protocol ? { protocol: context.protocol } : {}),
        ...(context.protocol ? { sessionId: toHex(context.sessionId) } : {}),
        ...(context.fatal?.responseCode ? { responseCode: context.fatal.responseCode } : {}),
        ...(context.fatal?.evseStatusCode ? { evseStatusCode: context.fatal.evseStatusCode } : {}),
        soc: context.battery.socPercent,
        chargeLoopCount: context.chargeLoopCount,
      };
    },
  });
