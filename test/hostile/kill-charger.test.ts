// Kill tests (test/hostile/kill-suite.ts): SIGTERM and SIGKILL of the charger mid-CurrentDemand.
import { killSuite } from './kill-suite.js';

await killSuite('charger');
