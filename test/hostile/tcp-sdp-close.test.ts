// Hostile SDP/TCP peers against `tsplc evse`, part "close" (the attacks of parts.close in ./tcp-sdp-suite.ts).
import { hostileTcpSdpSuite } from './tcp-sdp-suite.js';

await hostileTcpSdpSuite('close');
