// `tsplc evse` on top of the shared start-up (role.ts): SOC forwarding (SmartEVSE HTTP callback,
// MQTT), the EVSE stack, the safety monitor around the charger's hardware, and MQTT's
// `charger/enabled = 0` as a stop at the charger. Everything acquired is registered in the
// role's Resources.
import { v2gEvseMachine } from '../../machines/v2g-evse/index.js';
import { connectionTimingsOf, slacEvseTimingsOf } from '../config/index.js';
import type { EvseHardware } from '../ports/hardware.js';
import { err, ok, type Result } from '../result.js';
import { simulationTap } from './car-requests.js';
import { attachEvseSafety } from './evse-safety.js';
import { attachForwarding } from './forwarding.js';
import { loadForwardingPorts } from './io-drivers.js';
import type { RoleSetup } from './role-ev.js';
import { v2gEvseConfigOf } from './session-config.js';
import { createEvseStack, type EvseRoleStack } from './stack.js';
import type { WireRecord } from './v2g-transport.js';

export interface EvseRole {
  readonly side: 'evse';
  readonly stack: EvseRoleStack;
  readonly hw: EvseHardware;
}

export async function composeEvse(s: RoleSetup): Promise<Result<EvseRole, string>> {
  const { config: c, board, log, status, scope, args: a } = s;
  const hw = board.evse;
  if (!hw) return err(`board ${board.name} has no EVSE hardware`);
  // The sim board alone: the simulated car's CP switch follows the car's requests (boards/sim/mirror.ts).
  const simulation = simulationTap(board, 'rx');
  // SOC forwarding (SmartEVSE HTTP callback, MQTT): the car's values come from its requests on the wire.
  // The HTTP and MQTT drivers are loaded only when forwarding is configured (io-drivers.ts).
  const forwarding =
    c.soc_callback.enabled || c.mqtt.enabled
      ? scope.adopt(
          'SOC forwarding',
          attachForwarding({
            config: c,
            status,
            logger: log.child('forward'),
            ports: await loadForwardingPorts(),
            hw: { cpState$: hw.controlPilot.state$, ...(hw.contactors ? { contactorClosed$: hw.contactors.closed$ } : {}), supply$: hw.powerSupply.reading$ },
          }),
          (f) => f.close(),
        )
      : undefined;
  const taps = [...(simulation ? [simulation] : []), ...s.taps, ...(forwarding ? [(r: WireRecord) => forwarding.onWire(r)] : [])];
  const stack = createEvseStack({
    ...s.stack,
    hw,
    session: v2gEvseMachine,
    v2g: v2gEvseConfigOf(c, { ...(a.protocol ? { protocol: a.protocol } : {}), ...(a.mode ? { mode: a.mode } : {}) }),
    faults: a.faults,
    randomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
    slac: { timings: slacEvseTimingsOf(c) },
    ...(taps.length > 0
      ? {
          onWire: (r: WireRecord) => {
            for (const t of taps) t(r);
          },
        }
      : {}),
    connection: { ...connectionTimingsOf(c), V2G_SECC_CommunicationSetup_Performance_Time: c.v2g.V2G_SECC_CommunicationSetup_Performance_Time },
  });
  scope.defer('EVSE stack', () => stack.dispose());
  const safety = attachEvseSafety({ hw, config: c, logger: log, actor: stack.actor });
  scope.defer('EVSE safety monitor', () => safety.stop());
  // MQTT `charger/enabled = 0`: a stop at the charger (EVSE_Shutdown, checkpoint 790).
  const stops = forwarding?.stopRequests$.subscribe((r) => stack.actor.send({ type: 'TO_SESSION', event: { type: 'STOP_REQUEST', reason: r.reason } }));
  if (stops) scope.defer('stop requests', () => stops.unsubscribe());
  return ok({ side: 'evse', stack, hw });
}
