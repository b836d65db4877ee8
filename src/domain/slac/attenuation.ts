// Attenuation handling of SLAC: the EVSE averages the attenuation profiles its
// modem reports (one CM_ATTEN_PROFILE.IND per CM_MNBC_SOUND.IND, ISO 15118-3
// and HomePlug GP 11.5.x), the EV compares the averages of every EVSE that
// answered and picks the nearest (lowest average attenuation).

/** Number of attenuation groups in CM_ATTEN_PROFILE.IND / CM_ATTEN_CHAR.IND. */
export const ATTEN_GROUPS = 58;

/**
 * Synthetic attenuation for modems that report no profile (the AR7420 in
 * cheap adaptors sends no CM_ATTEN_PROFILE.IND). pyPLC uses 9 dB in all groups
 * with the last three taken from an Alpitronic trace; the Ioniq rejects an
 * all-zero profile.
 */
export function syntheticAttenuation(dB = 9, tail: readonly number[] = [0x0f, 0x13, 0x19]): Uint8Array {
  const out = new Uint8Array(ATTEN_GROUPS).fill(clampDb(dB));
  tail.slice(-ATTEN_GROUPS).forEach((v, i) => {
    out[ATTEN_GROUPS - tail.length + i] = clampDb(v);
  });
  return out;
}

function clampDb(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v)));
}

/**
 * Per-group mean of several profiles (rounded to the nearest dB). Profiles of
 * differing length are averaged over the groups each one has; an empty input
 * gives null (nothing heard).
 */
export function averageProfiles(profiles: readonly Uint8Array[]): Uint8Array | null {
  if (profiles.length === 0) return null;
  const groups = Math.max(...profiles.map((p) => p.length));
  const sum = new Array<number>(groups).fill(0);
  const count = new Array<number>(groups).fill(0);
  for (const p of profiles) {
    for (let g = 0; g < p.length; g++) {
      sum[g] = (sum[g] ?? 0) + (p[g] ?? 0);
      count[g] = (count[g] ?? 0) + 1;
    }
  }
  return Uint8Array.from(sum, (s, g) => clampDb(s / (count[g] || 1)));
}

/** Mean over all groups of one profile, in dB (0 for an empty profile). */
export function meanAttenuation(profile: Uint8Array): number {
  if (profile.length === 0) return 0;
  let s = 0;
  for (const v of profile) s += v;
  return s / profile.length;
}

export interface EvseCandidate {
  readonly evseMac: Uint8Array;
  readonly profile: Uint8Array;
  /** Arrival order, used to break ties: the earlier answer wins. */
  readonly order: number;
}

/**
 * Chooses the EVSE the car is plugged into: the lowest mean attenuation
 * ([V2G3-A09-...] "the EV shall select the EVSE with the lowest attenuation"),
 * ties broken by arrival. Candidates above `limitDb` are rejected. Returns null
 * when none is acceptable.
 */
export function selectEvse<C extends EvseCandidate>(candidates: readonly C[], limitDb: number | null = null): C | null {
  let best: C | null = null;
  let bestMean = Infinity;
  for (const c of candidates) {
    const m = meanAttenuation(c.profile);
    if (limitDb !== null && m > limitDb) continue;
    if (m < bestMean || (m === bestMean && best !== null && c.order < best.order)) {
      best = c;
      bestMean = m;
    }
  }
  return best;
}
