/**
 * What the call journeys share: pages that expose the call's debug handle, entering a room, and
 * reading what flows on the peer connections (`inbound-rtp` bytes received).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  button,
  check,
  eventually,
  EXPECT_MS,
  expectVisible,
  messagesOf,
  newDesktop,
  newPhone,
  textbox,
  watch,
} from './lib.mjs';

export const callOf = (page) => page.getByRole('region', { name: 'Call', exact: true });
export const tilesOf = (page) => callOf(page).locator('.call-tile:not(.screen)');

/** A browser context whose pages expose the call's debug handle. */
export async function callContext(browser, baseUrl, phone = false) {
  const context = await (phone ? newPhone : newDesktop)(browser, baseUrl);
  context.setDefaultTimeout(EXPECT_MS);
  // Pages open three at a time on a server just started, beside pages still coding video.
  context.setDefaultNavigationTimeout(3 * EXPECT_MS);
  await context.addInitScript(() => globalThis.localStorage.setItem('roomkitDebug', '1'));
  return context;
}

/** Opens the room in a new page of `context` as `name`; resolves with the page. */
export async function enter(context, roomId, name, label, problems) {
  const page = await context.newPage();
  watch(page, label, problems);
  await page.goto(`/r/${roomId}`);
  await textbox(page, 'Display name').fill(name);
  await button(page, 'Join').click();
  await expectVisible(messagesOf(page), `the room for ${name}`);
  return page;
}

/** Per other member: the connection's state and the audio and video bytes received so far. */
export function readFlow(page) {
  return page.evaluate(async () => {
    const call = globalThis.roomkitCall;
    if (!call) throw new Error('no call handle on the page');
    const flow = {};
    for (const [memberId, connection] of Object.entries(call.connections())) {
      const entry = { state: connection.connectionState, audio: 0, video: 0, videoStreams: 0 };
      const stats = await connection.getStats();
      stats.forEach((report) => {
        if (report.type !== 'inbound-rtp') return;
        entry[report.kind] += report.bytesReceived ?? 0;
        if (report.kind === 'video' && report.bytesReceived > 0) entry.videoStreams += 1;
      });
      flow[memberId] = entry;
    }
    return flow;
  });
}

/**
 * The same reading in a call through the SFU: every other member's media arrives on the one
 * receiving connection, told apart by the media line (mid) the SFU said carries it.
 */
export function readSfuFlow(page) {
  return page.evaluate(async () => {
    const call = globalThis.roomkitCall;
    if (!call) throw new Error('no call handle on the page');
    const connections = call.connections();
    const receiving = connections['sfu:subscribe'];
    const sending = connections['sfu:publish']?.connectionState ?? 'none';
    if (!receiving) return {};
    const streams = call.sfuStreams();
    const flow = {};
    // Connected only when both the sending and the receiving side are.
    const state = sending === 'connected' ? receiving.connectionState : `sending ${sending}`;
    for (const { memberId } of Object.values(streams)) {
      flow[memberId] ??= { state, audio: 0, video: 0, videoStreams: 0 };
    }
    const stats = await receiving.getStats();
    stats.forEach((report) => {
      const entry = report.type === 'inbound-rtp' ? flow[streams[report.mid]?.memberId] : undefined;
      if (!entry) return;
      entry[report.kind] += report.bytesReceived ?? 0;
      if (report.kind === 'video' && report.bytesReceived > 0) entry.videoStreams += 1;
    });
    return flow;
  });
}

export const memberIdOf = (page) => page.evaluate(() => globalThis.roomkitCall.me);

/**
 * Waits until `page` is connected to exactly `others` and receives both audio and video from
 * each, growing between two readings (the fake devices send all the time); `read` is
 * `readSfuFlow` in a call through the SFU.
 */
export async function expectMediaFrom(page, others, who, { read = readFlow, ms = EXPECT_MS } = {}) {
  let before = null;
  await eventually(
    `${who} to receive sound and picture from ${others.length} other(s)`,
    async () => {
      const now = await read(page);
      const ids = Object.keys(now).sort();
      check(
        JSON.stringify(ids) === JSON.stringify([...others].sort()),
        `connected to ${ids.join(', ') || 'nobody'}, not to ${others.join(', ')}`,
      );
      for (const id of others) {
        check(now[id].state === 'connected', `the connection to ${id} is ${now[id].state}`);
      }
      const grew =
        before !== null &&
        others.every((id) => now[id].audio > before[id].audio && now[id].video > before[id].video);
      before = now;
      if (!grew) await sleep(300);
      return grew;
    },
    ms,
  );
}
