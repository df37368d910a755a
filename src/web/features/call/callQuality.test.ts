import { describe, expect, it } from 'vitest';
import { gradeQuality, lossBetween, qualityLabel, readPeerStats } from './callQuality.js';

const stats = [
  { id: 'T1', type: 'transport', selectedCandidatePairId: 'P2' },
  {
    id: 'P1',
    type: 'candidate-pair',
    localCandidateId: 'L1',
    currentRoundTripTime: 0.9,
    nominated: false,
  },
  { id: 'P2', type: 'candidate-pair', localCandidateId: 'L2', currentRoundTripTime: 0.042 },
  { id: 'L1', type: 'local-candidate', candidateType: 'host' },
  { id: 'L2', type: 'local-candidate', candidateType: 'relay' },
  { id: 'I1', type: 'inbound-rtp', kind: 'audio', packetsReceived: 900, packetsLost: 10 },
  { id: 'I2', type: 'inbound-rtp', kind: 'video', packetsReceived: 100, packetsLost: 0 },
];

describe('readPeerStats', () => {
  it('reads the selected pair: its local candidate type and round-trip time', () => {
    expect(readPeerStats(stats)).toEqual({
      candidateType: 'relay',
      rttMs: 42,
      packetsReceived: 1000,
      packetsLost: 10,
    });
  });

  it('falls back on the succeeded nominated pair when the transport names none', () => {
    const reading = readPeerStats([
      {
        id: 'P1',
        type: 'candidate-pair',
        localCandidateId: 'L1',
        nominated: true,
        state: 'succeeded',
        currentRoundTripTime: 0.1,
      },
      { id: 'L1', type: 'local-candidate', candidateType: 'srflx' },
    ]);
    expect(reading.candidateType).toBe('srflx');
    expect(reading.rttMs).toBe(100);
  });

  it('has nothing to say before a pair is chosen', () => {
    expect(readPeerStats([{ id: 'P1', type: 'candidate-pair', state: 'in-progress' }])).toEqual({
      candidateType: null,
      rttMs: null,
      packetsReceived: 0,
      packetsLost: 0,
    });
  });
});

describe('lossBetween', () => {
  it('is the share of packets lost since the last reading', () => {
    const before = { candidateType: null, rttMs: null, packetsReceived: 100, packetsLost: 0 };
    const after = { ...before, packetsReceived: 190, packetsLost: 10 };
    expect(lossBetween(before, after)).toBeCloseTo(0.1);
    expect(lossBetween(after, after)).toBeNull();
  });
});

describe('gradeQuality', () => {
  it('grades by the worse of the round-trip time and the loss', () => {
    expect(gradeQuality(40, 0)).toBe('good');
    expect(gradeQuality(350, 0)).toBe('fair');
    expect(gradeQuality(40, 0.05)).toBe('fair');
    expect(gradeQuality(700, 0)).toBe('poor');
    expect(gradeQuality(40, 0.2)).toBe('poor');
    expect(gradeQuality(null, 0)).toBe('good');
    expect(gradeQuality(null, null)).toBe('unknown');
  });

  it('says it in words', () => {
    expect(qualityLabel('poor')).toBe('Connection poor');
    expect(qualityLabel('unknown')).toBe('Connecting');
  });
});
