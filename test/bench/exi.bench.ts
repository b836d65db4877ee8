// EXI codec speed on real messages (ns per decode / encode, in-process).
// Reference figures of the C codecs (OpenV2G/libcbv2g) for DIN CurrentDemandReq:
// ≈400 ns decode, ≈730 ns encode. Target here: each under 700 ns.
import { fromHex } from '../../src/bytes.js';
import { codecFor, type SchemaId } from '../../src/exi/index.js';
import { timeOp, type BenchResult, type BenchSuite } from './harness.js';

// Tiny test vectors: the EXI payloads (V2GTP header stripped) of single frames of the
// shared captures, named by capture and frame.
const VECTORS: { name: string; schema: SchemaId; hex: string; source: string }[] = [
  {
    name: 'appHand supportedAppProtocolReq (DIN+ISO-2)',
    schema: 'appHand',
    source: '2024-06-11_Griffigroen_polestar2_stop_in_precharge.pcapng frame 93',
    hex: '8000dbab9371d3234b71d1b981899189d191818991d26b9b3a232b30020000040001d75726e3a69736f3a31353131383a323a323031333a4d73674465660040000000880',
  },
  {
    name: 'DIN SessionSetupReq',
    schema: 'din',
    source: '2022-11-25_v0.2_ABB_until_ChargeParamDiscovery.pcapng frame 450',
    hex: '809a02000000000000000011d00000',
  },
  {
    name: 'DIN CurrentDemandReq',
    schema: 'din',
    source: '2022-12-20_alpi_currentDemandSequenceErrorShutdown.pcapng frame 2718',
    hex: '809a02000000000ef04d44d0d1400500c814410c9cc020',
  },
  {
    name: 'DIN CurrentDemandRes',
    schema: 'din',
    source: '2022-12-20_alpi_currentDemandSequenceErrorShutdown.pcapng frame 2722',
    hex: '809a02000000000ef04d44d0e0a041000001828730081818000000060a1e806030306402038628e800',
  },
  {
    name: 'DIN PreChargeReq',
    schema: 'din',
    source: '2022-12-13_compleo_powerdelivery230_no_load.pcapng frame 1211',
    hex: '809a022189cbf75b9625a95151400500c9cc0206401000',
  },
  {
    name: 'DIN ChargeParameterDiscoveryRes (SAScheduleList)',
    schema: 'din',
    source: '2022-12-13_compleo_powerdelivery230_no_load.pcapng frame 1081',
    hex: '809a022189cbf75b9625a9508002002802800007fffff8383fffc045500000000101857040101c29c8408143c894080c03c08143403c4406010200',
  },
  {
    name: 'ISO-2 CurrentDemandReq',
    schema: 'iso2',
    source: 'ISO-2_DC_BatteryDataExchange_DS5366_RiseV2G.pcapng frame 341',
    hex: '80980207bf2c4e29b7cece90d1001900061209c01881e806018619002061419000030803006100381081d04000',
  },
  {
    name: 'ISO-2 ChargeParameterDiscoveryRes (SAScheduleList)',
    schema: 'iso2',
    source: 'ISO-2_AC_DS5366.pcapng frame 87',
    hex: '809802022669991e4a686c10a000000000002028c14105098750a80000002206c59808006190ca00',
  },
];

export const suite: BenchSuite = {
  name: 'exi',
  async run(): Promise<BenchResult[] | string> {
    const results: BenchResult[] = [];
    for (const v of VECTORS) {
      const codec = codecFor(v.schema);
      const bytes = fromHex(v.hex);
      if (!bytes) return `bad vector ${v.name}`;
      const d = codec.decode(bytes);
      if (!d.ok) return `${v.name}: ${d.error.code} ${d.error.message}`;
      const doc = d.value;
      let sink = 0;
      const decNs = timeOp(() => {
        const r = codec.decode(bytes);
        if (r.ok) sink++;
      });
      const encNs = timeOp(() => {
        const r = codec.encode(doc as never);
        if (r.ok) sink += r.value.length;
      });
      if (sink === 0) return 'codec failed during the benchmark';
      // CPU time per op as well: on a shared machine wall time includes waiting for a core.
      const cpuNs = (fn: () => void): number => {
        const n = 200_000;
        const c0 = process.cpuUsage();
        for (let i = 0; i < n; i++) fn();
        const c = process.cpuUsage(c0);
        return ((c.user + c.system) * 1000) / n;
      };
      const decCpu = cpuNs(() => {
        codec.decode(bytes);
      });
      const encCpu = cpuNs(() => {
        codec.encode(doc as never);
      });
      results.push({ bench: `exi decode ${v.name}`, ns_per_op: Math.round(decNs), cpu_ns_per_op: Math.round(decCpu), bytes: bytes.length });
      results.push({ bench: `exi encode ${v.name}`, ns_per_op: Math.round(encNs), cpu_ns_per_op: Math.round(encCpu), bytes: bytes.length });
    }
    return results;
  },
};
