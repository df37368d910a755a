/** How the admin page writes numbers an operator reads at a glance. */

const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/** A per-second rate: "0/s", "0.4/s", "12/s"; a tenth of a second's precision below 10. */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0/s';
  return `${(perSecond < 10 ? decimal : integer).format(perSecond)}/s`;
}

/** How long the server has been up, in its two largest units: "45 s", "3 min 5 s", "2 d 4 h". */
export function formatUptime(totalSeconds: number): string {
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['min', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let left = Math.max(0, Math.floor(totalSeconds));
  for (const [unit, size] of units) {
    const count = Math.floor(left / size);
    left -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count} ${unit}`);
    if (parts.length === 2) break;
  }
  const shown = parts.filter((part, index) => index === 0 || !part.startsWith('0 '));
  return shown.length > 0 ? shown.join(' ') : '0 s';
}

/** The gauge's marks: the memory levels of API.md ("Health"), warning at 75 %, critical at 90 %. */
export function memoryMarks(budgetBytes: number): { low: number; high: number; max: number } {
  // A <meter> with max 0 draws nothing: a server without a budget shows an empty one.
  const max = Math.max(1, budgetBytes);
  return { low: max * 0.75, high: max * 0.9, max };
}

/** Used memory as a share of the budget: "62 %". */
export function formatShare(used: number, budget: number): string {
  return budget > 0 ? `${integer.format((used / budget) * 100)} %` : '–';
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** A room's creation or end, a log entry's time: day and minute, short enough for a table. */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** A log entry from today shows its time only. */
export function formatLogTime(iso: string, now: Date = new Date()): string {
  const at = new Date(iso);
  return at.toDateString() === now.toDateString() ? timeOnly.format(at) : dateTime.format(at);
}

/** A code run's length: "850 ms", "2.3 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${integer.format(ms)} ms` : `${decimal.format(ms / 1000)} s`;
}

/** What the room's call shows of one participant: how it connects, as its client reported. */
export function callSummary(participant: {
  audio: boolean;
  video: boolean;
  screen: boolean;
  peers: { candidateType: string | null; rttMs: number | null }[] | null;
}): string {
  const media = [
    participant.audio && 'microphone',
    participant.video && 'camera',
    participant.screen && 'screen',
  ].filter(Boolean);
  const with_ = media.length > 0 ? media.join(', ') : 'listening';
  const peers = participant.peers ?? [];
  const types = [...new Set(peers.map((peer) => peer.candidateType).filter((t) => t !== null))];
  const rtts = peers.map((peer) => peer.rttMs).filter((rtt) => rtt !== null);
  const connection = [
    types.length > 0 ? types.sort().join('/') : undefined,
    rtts.length > 0 ? `${Math.round(Math.max(...rtts))} ms` : undefined,
  ].filter(Boolean);
  return connection.length > 0
    ? `in the call (${with_}; ${connection.join(', ')})`
    : `in the call (${with_})`;
}
