// Test-side entry of the network-namespace kit (the code lives in
// src/runtime/netns.ts because `tsplc sim --netns` uses it too).
//
//   import { netnsAvailable, netnsUnavailableReason, useVethPair } from '../helpers/netns.js';
//   describe.skipIf(!requireEnv("root + network namespaces", netnsAvailable(), netnsUnavailableReason()))("SLAC over veth", () => {   // requireEnv: test/env.ts
//     const net = useVethPair({ roles: ['ev', 'evse'] });   // created in beforeAll, destroyed in afterAll
//     it('...', async () => { const { a, b } = net(); net.topology().spawnNode(b, testScript('test/x/peer.ts')); });   // testScript: test/helpers/cli.ts
//   });
//   (under TSPLC_NO_SKIP=1 a missing namespace support fails the file instead of skipping it)
import { afterAll, beforeAll } from 'vitest';
import { createHub, createVethPair, type HubOptions, type NetnsTopology, type VethPair, type VethPairOptions } from '../../src/runtime/netns.js';

export * from '../../src/runtime/netns.js';

/** Creates a veth pair in beforeAll and destroys it in afterAll (also when tests fail). Call the result inside tests. */
export function useVethPair(options: VethPairOptions = {}): () => VethPair {
  let pair: VethPair | undefined;
  beforeAll(async () => {
    pair = await createVethPair(options);
  });
  afterAll(async () => {
    await pair?.destroy();
  });
  return () => {
    if (!pair) throw new Error('useVethPair: the pair is created in beforeAll; use it inside tests');
    return pair;
  };
}

/** Like useVethPair, for a hub of N namespaces (shared medium). */
export function useHub(options: HubOptions): () => NetnsTopology {
  let hub: NetnsTopology | undefined;
  beforeAll(async () => {
    hub = await createHub(options);
  });
  afterAll(async () => {
    await hub?.destroy();
  });
  return () => {
    if (!hub) throw new Error('useHub: the hub is created in beforeAll; use it inside tests');
    return hub;
  };
}
