// The sim board's BoardSimulation hook (boards/types.ts): when `tsplc pev` or `tsplc evse` runs
// alone on the sim board, the other side is another process with its own physics. The car's
// requests say what that side would do, and the board plays it on its own plant.
import type { BoardRole, BoardSimulation, CarRequest } from '../types.js';
import type { SimBoard } from './index.js';

/**
 * The car process (role pev): the charger is missing. DC — drive the simulated supply from the
 * PreChargeReq / CurrentDemandReq targets and switch it off on PowerDelivery(stop),
 * WeldingDetection and SessionStop; AC — close the simulated EVSE output contactor on
 * PowerDelivery(Start) and open it on PowerDelivery(Stop) (the real charger does the same within
 * 3 s, [V2G2-860]). Inlet voltage and current then behave.
 */
export function mirrorCharger(sim: SimBoard): BoardSimulation {
  const plant = sim.plant;
  return {
    carRequest(r: CarRequest) {
      if (r.kind === 'PreCharge' || r.kind === 'CurrentDemand') {
        if (r.targetVoltage !== undefined && r.targetCurrent !== undefined) plant.setSupplyTarget(r.targetVoltage, r.targetCurrent);
        return;
      }
      if (r.kind === 'PowerDelivery' && !r.dc && (r.chargeProgress === 'Start' || r.chargeProgress === 'Stop')) {
        // ISO-2 AC: the charger's output contactor follows PowerDelivery.
        if (r.chargeProgress === 'Start') {
          // 5 % PWM: the offer is the digitally communicated EVSEMaxCurrent (IEC 61851-1 Annex A).
          plant.setEvseDuty(5);
          plant.closeEvseContactor();
        } else plant.openEvseContactor();
        return;
      }
      if (r.kind === 'WeldingDetection' || r.kind === 'SessionStop' || (r.kind === 'PowerDelivery' && (r.readyToChargeState === false || r.chargeProgress === 'Stop'))) {
        plant.supplyOff();
        plant.openEvseContactor();
      }
    },
  };
}

/**
 * The charger process (role evse): the car is missing, so nothing in this process sets the
 * simulated CP to state C. The car's requests say what its CP switch does: state C from
 * CableCheckReq (DC: the EV is in C before the cable check, as the in-process sim does) or
 * PowerDeliveryReq(Start) (AC), back to B on PowerDeliveryReq(Stop), WeldingDetectionReq and
 * SessionStopReq. Without it the production safety monitor rightly reports a live output with CP
 * state B (EVSE_OUTPUT_LIVE_WITHOUT_STATE_C).
 */
export function mirrorCar(sim: SimBoard): BoardSimulation {
  const cp = sim.ev.controlPilot;
  return {
    carRequest(r: CarRequest) {
      const start = r.kind === 'PowerDelivery' && (r.chargeProgress === 'Start' || r.readyToChargeState === true);
      const stop = r.kind === 'PowerDelivery' && (r.chargeProgress === 'Stop' || r.readyToChargeState === false);
      if (r.kind === 'CableCheck' || start) cp.setState('C');
      else if (stop || r.kind === 'WeldingDetection' || r.kind === 'SessionStop') cp.setState('B');
    },
  };
}

/** The hook for the role the board was loaded for (listen: none, it drives nothing). */
export function simulationFor(role: BoardRole, sim: SimBoard): BoardSimulation | undefined {
  if (role === 'pev') return mirrorCharger(sim);
  if (role === 'evse') return mirrorCar(sim);
  return undefined;
}
