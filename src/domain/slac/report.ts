// Every status update of the link-layer machines also becomes a log line, with
// the pyPLC checkpoint as `cp` so logs of tsplc and pyPLC read side by side.
import type { Logger } from '../../ports/log.js';
import type { StatusUpdate } from '../../status.js';
import { errorMessage } from '../../errors.js';

// With a status sink the runtime's reporter already logs each update (info at a checkpoint):
// the machine's own line is then debug, or every SLAC step is logged twice at info (issue 8: a
// CM_SLAC_PARM.REQ flood made two info lines per request). Failed stays a warning.
export function reportAndLog(report: ((u: StatusUpdate) => void) | undefined, logger: Logger, component: string): (u: StatusUpdate) => void {
  return (u) => {
    logger.log(u.state === 'Failed' ? 'warn' : report ? 'debug' : 'info', `${component} ${u.state}`, { ...(u.checkpoint !== undefined ? { cp: u.checkpoint } : {}), ...u.details });
    try {
      report?.(u);
    } catch (e) {
      // A faulty status sink must not break the protocol machine.
      logger.log('error', `${component}: status sink threw: ${errorMessage(e)}`);
    }
  };
}
