// Hostile SDP/TCP peers against `tsplc evse`, part "v2g" (the attacks of parts.v2g in ./tcp-sdp-suite.ts).
import { hostileTcpSdpSuite } from './tcp-sdp-suite.js';

await hostileTcpSdpSuite('v2g');
