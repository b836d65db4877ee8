// Hostile SDP/TCP peers against `tsplc evse`, part "slow" (the attacks of parts.slow in ./tcp-sdp-suite.ts).
import { hostileTcpSdpSuite } from './tcp-sdp-suite.js';

await hostileTcpSdpSuite('slow');
