/**
 * How well a peer connection carries the call, from the browser's own statistics (getStats):
 * the candidate pair in use (its local candidate's type, its round-trip time) and the share of
 * incoming packets lost since the last reading. Pure: the stats are given as plain records.
 */

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';
export type QualityGrade = 'good' | 'fair' | 'poor' | 'unknown';

/** One getStats entry, as far as this module reads it. */
export interface StatsEntry {
  id: string;
  type: string;
  [field: string]: unknown;
}

export interface PeerReading {
  candidateType: CandidateType | null;
  rttMs: number | null;
  /** Incoming packets, received and lost, over all audio and video streams so far. */
  packetsReceived: number;
  packetsLost: number;
}

const CANDIDATE_TYPES: ReadonlySet<string> = new Set(['host', 'srflx', 'prflx', 'relay']);

const numberOf = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/**
 * The figures of one connection's stats. The pair in use is the transport's
 * `selectedCandidatePairId`; browsers that do not name it mark it `selected` or `nominated`.
 */
export function readPeerStats(entries: Iterable<StatsEntry>): PeerReading {
  const byId = new Map<string, StatsEntry>();
  for (const entry of entries) byId.set(entry.id, entry);
  let pair: StatsEntry | undefined;
  for (const entry of byId.values()) {
    if (entry.type === 'transport' && typeof entry.selectedCandidatePairId === 'string') {
      pair = byId.get(entry.selectedCandidatePairId);
      if (pair) break;
    }
  }
  pair ??= [...byId.values()].find(
    (entry) =>
      entry.type === 'candidate-pair' &&
      (entry.selected === true || (entry.nominated === true && entry.state === 'succeeded')),
  );
  const local =
    pair && typeof pair.localCandidateId === 'string' ? byId.get(pair.localCandidateId) : undefined;
  const type = local?.candidateType;
  const rttSeconds = numberOf(pair?.currentRoundTripTime);
  let packetsReceived = 0;
  let packetsLost = 0;
  for (const entry of byId.values()) {
    if (entry.type !== 'inbound-rtp') continue;
    packetsReceived += numberOf(entry.packetsReceived) ?? 0;
    packetsLost += Math.max(0, numberOf(entry.packetsLost) ?? 0);
  }
  return {
    candidateType:
      typeof type === 'string' && CANDIDATE_TYPES.has(type) ? (type as CandidateType) : null,
    rttMs: rttSeconds === null ? null : Math.round(rttSeconds * 1000),
    packetsReceived,
    packetsLost,
  };
}

/** The share (0–1) of packets lost between two readings; null when none were expected. */
export function lossBetween(before: PeerReading | undefined, after: PeerReading): number | null {
  const received = after.packetsReceived - (before?.packetsReceived ?? 0);
  const lost = after.packetsLost - (before?.packetsLost ?? 0);
  const expected = received + Math.max(0, lost);
  return expected > 0 ? Math.max(0, lost) / expected : null;
}

/** Above these a conversation starts to suffer: people talk over each other, words drop out. */
const FAIR_RTT_MS = 300;
const POOR_RTT_MS = 600;
const FAIR_LOSS = 0.03;
const POOR_LOSS = 0.1;

/** Good, fair or poor from the round-trip time and the recent packet loss; unknown with neither. */
export function gradeQuality(rttMs: number | null, loss: number | null): QualityGrade {
  if (rttMs === null && loss === null) return 'unknown';
  if ((rttMs ?? 0) >= POOR_RTT_MS || (loss ?? 0) >= POOR_LOSS) return 'poor';
  if ((rttMs ?? 0) >= FAIR_RTT_MS || (loss ?? 0) >= FAIR_LOSS) return 'fair';
  return 'good';
}

/** What the tile says, for a person and a screen reader alike. */
export function qualityLabel(grade: QualityGrade): string {
  switch (grade) {
    case 'good':
      return 'Connection good';
    case 'fair':
      return 'Connection fair';
    case 'poor':
      return 'Connection poor';
    case 'unknown':
      return 'Connecting';
  }
}
