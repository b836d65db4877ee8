// Hostile SDP/TCP peers against `tsplc evse`, part "framing" (the attacks of parts.framing in ./tcp-sdp-suite.ts).
import { hostileTcpSdpSuite } from './tcp-sdp-suite.js';

await hostileTcpSdpSuite('framing');
