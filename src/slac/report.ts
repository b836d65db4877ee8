// Every status update of the link-layer machines also becomes a log line, with
// the pyPLC checkpoint as `cp` so logs of tsplc and pyPLC read side by side.
import type { Logger } from '../ports/log.js';
import type { StatusUpdate } from '../status.js';

export function reportAndLog(report: ((u: StatusUpdate) => void) | undefined, logger: Logger, component: string): (u: StatusUpdate) => void {
  return (u) => {
    logger.log(u.state === 'Failed' ? 'warn' : 'info', `${component} ${u.state}`, { ...(u.checkpoint !== undefined ? { cp: u.checkpoint } : {}), ...u.details });
    try {
      report?.(u);
    } catch (e) {
      // A faulty status sink must not break the protocol machine.
      logger.log('error', `${component}: status sink threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}
