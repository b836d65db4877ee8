// Hostile SDP/TCP peers against `tsplc evse`, part "sdp" (the attacks of parts.sdp in ./tcp-sdp-suite.ts).
import { hostileTcpSdpSuite } from './tcp-sdp-suite.js';

await hostileTcpSdpSuite('sdp');
