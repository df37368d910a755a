/**
 * Time to the first remote frame, in the web client as a person uses it: in a room of three pages
 * (each a Chromium browser context of its own, with a fake camera and microphone), two are in a
 * call and the third clicks "Join call"; measured from that click to the first frame of another
 * participant's video shown on its page, and to frames from both others. Then it leaves, the two
 * are a call of two again, and they end it: every round starts with the pair starting a call.
 *
 * The same scenario on two Roomkit servers in the same run, in alternating rounds: a full mesh
 * (no CALLS_SFU) and Janus (CALLS_SFU to a Janus the benchmark starts, CALLS_MESH_VIDEO_MAX=2),
 * where the third's join moves the whole call onto the SFU and its leaving moves it back. No goal:
 * the figures say what a joiner waits for either way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../../test/freePort.js';
import { JANUS_API_SECRET, launchJanus, type JanusProcess } from '../../test/janus.js';
import type { BenchBlock, BenchContext, Benchmark } from '../lib/bench.js';
import { runLine, table } from '../lib/report.js';
import { startServers, type ServerHandle } from '../lib/servers.js';
import { formatMs, summarize, type Summary } from '../lib/stats.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Janus, ICE and three pages' video coders share the machine with other work: media can lag. */
const MEDIA_MS = 45_000;
/** What the pages' controls wait for (a button, a region). */
const UI_MS = 15_000;
const NAMES = ['Ada', 'Bob', 'Cy'] as const;

/** As e2e/run.mjs launches Chromium for the call journeys, headless. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

interface Side {
  label: string;
  server: ServerHandle;
  /** The two who start a call each round. */
  pair: [Page, Page];
  pairIds: [string, string];
  /** The one who joins and leaves, measured. */
  joiner: Page;
  first: number[];
  both: number[];
}

/** What the joiner's page records (window.roomkitFirstFrames, installed by watchFrames). */
interface FrameWatch {
  armed: boolean;
  /** The "Join call" click's event time, on the page's performance.now() clock. */
  clickedAt: number;
  /** The first frame of each other member's video shown, by member id, on the same clock. */
  frames: Record<string, number>;
  /** requestVideoFrameCallback, or polling where the browser lacks it. */
  method: 'requestVideoFrameCallback' | 'polling';
  arm(): void;
}

interface Joined {
  first: number;
  both: number;
}

const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
const region = (page: Page, name: string) => page.getByRole('region', { name, exact: true });

/** Polls `condition` until it holds, for up to `ms`; the last error thrown is in the failure. */
async function eventually(what: string, condition: () => Promise<boolean>, ms = MEDIA_MS) {
  const deadline = performance.now() + ms;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      if (await condition()) return;
      last = undefined;
    } catch (error) {
      last = error;
    }
    await sleep(100);
  }
  const why = last instanceof Error ? ` (last error: ${last.message.split('\n')[0]})` : '';
  throw new Error(`first-frame: expected ${what} within ${ms / 1000} s${why}`);
}

/** Why this machine cannot run the benchmark, or undefined when it can. */
function missing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  if (spawnSync('janus', ['--version'], { stdio: 'ignore' }).error) return 'no janus installed';
  return undefined;
}

async function createRoom(server: ServerHandle): Promise<string> {
  const response = await fetch(`${server.url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'First frame' }),
  });
  if (response.status !== 201) throw new Error(`POST /api/rooms answered ${response.status}`);
  const { room } = (await response.json()) as { room: { id: string } };
  return room.id;
}

/** A page of a new browser context, in the room as `name`, exposing the call's debug handle. */
async function enter(
  browser: Browser,
  server: ServerHandle,
  roomId: string,
  name: string,
  contexts: BrowserContext[],
  log: (line: string) => void,
): Promise<Page> {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: { width: 1280, height: 800 },
  });
  contexts.push(context);
  context.setDefaultTimeout(UI_MS);
  await context.addInitScript(() => globalThis.localStorage.setItem('roomkitDebug', '1'));
  const page = await context.newPage();
  page.on('pageerror', (error) => log(`  ${name}'s page: uncaught ${error.message}`));
  await page.goto(`/r/${roomId}`);
  await page.getByRole('textbox', { name: 'Display name', exact: true }).fill(name);
  await button(page, 'Join').click();
  await region(page, 'Messages').waitFor({ state: 'visible' });
  return page;
}

const memberIdOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { roomkitCall: { me: string } }).roomkitCall.me);

/**
 * The page's call as a mesh sees it: whom it is connected to, in which states, and the video
 * bytes received so far (an SFU's connections are listed as `sfu:publish` and `sfu:subscribe`).
 */
function readMesh(page: Page) {
  return page.evaluate(async () => {
    const call = (
      window as unknown as {
        roomkitCall?: { connections(): Record<string, RTCPeerConnection> };
      }
    ).roomkitCall;
    const connections = Object.entries(call?.connections() ?? {});
    let video = 0;
    for (const [, connection] of connections) {
      (await connection.getStats()).forEach((report: { type: string; kind?: string }) => {
        const inbound = report as { bytesReceived?: number };
        if (report.type === 'inbound-rtp' && report.kind === 'video')
          video += inbound.bytesReceived ?? 0;
      });
    }
    return {
      peers: connections.map(([id]) => id),
      states: connections.map(([, connection]) => connection.connectionState),
      video,
    };
  });
}

/** Waits until `page` is in a mesh with `otherId` alone, connected, its video still arriving. */
async function twoAgain(page: Page, otherId: string): Promise<void> {
  let before = -1;
  await eventually(`a call of two, with ${otherId}'s video arriving`, async () => {
    const now = await readMesh(page);
    const alone = now.peers.length === 1 && now.peers[0] === otherId;
    const grew = alone && now.states[0] === 'connected' && before >= 0 && now.video > before;
    before = alone ? now.video : -1;
    if (!grew) await sleep(300);
    return grew;
  });
}

/**
 * Installs, on the joiner's page, what records the first frame of each remote tile's <video>:
 * every such element (those there when armed, and those added after) gets a
 * requestVideoFrameCallback, whose expected display time is when the frame is shown; where the
 * browser lacks it, the element is polled each animation frame for a picture and playback.
 *
 * Everything in the page runs as methods and inline callbacks: tsx compiles this file with
 * esbuild's keepNames, which would wrap a named function or a function held in a const in a
 * `__name` helper that exists in this process, not in the page.
 */
function watchFrames(page: Page): Promise<void> {
  return page.evaluate(() => {
    const scope = window as unknown as {
      roomkitCall?: { me: string };
      roomkitFirstFrames?: FrameWatch;
    };
    const frameCallbacks = 'requestVideoFrameCallback' in HTMLVideoElement.prototype;
    const following = new WeakSet<HTMLVideoElement>();
    const watch = {
      armed: false,
      clickedAt: Number.NaN,
      frames: {} as Record<string, number>,
      method: frameCallbacks ? ('requestVideoFrameCallback' as const) : ('polling' as const),
      arm() {
        watch.frames = {};
        watch.clickedAt = Number.NaN;
        watch.armed = true;
        document.querySelectorAll('video').forEach((video) => watch.follow(video));
      },
      memberOf(video: HTMLVideoElement): string | null {
        return video.closest('.call-tile:not(.screen)')?.getAttribute('data-member') ?? null;
      },
      wanted(member: string | null): member is string {
        return (
          watch.armed &&
          member !== null &&
          member !== scope.roomkitCall?.me &&
          !(member in watch.frames)
        );
      },
      shown(video: HTMLVideoElement, at: number) {
        following.delete(video);
        const member = watch.memberOf(video);
        if (watch.wanted(member)) watch.frames[member] = at;
      },
      follow(video: HTMLVideoElement) {
        if (following.has(video) || !watch.wanted(watch.memberOf(video))) return;
        following.add(video);
        if (frameCallbacks) {
          video.requestVideoFrameCallback((_now, frame) =>
            watch.shown(video, frame.expectedDisplayTime),
          );
        } else requestAnimationFrame(() => watch.poll(video));
      },
      poll(video: HTMLVideoElement) {
        if (!video.isConnected || !watch.wanted(watch.memberOf(video))) following.delete(video);
        else if (video.videoWidth > 0 && video.currentTime > 0)
          watch.shown(video, performance.now());
        else requestAnimationFrame(() => watch.poll(video));
      },
    };
    new MutationObserver((changes) => {
      if (!watch.armed) return;
      for (const change of changes)
        for (const node of change.addedNodes) {
          if (node instanceof HTMLVideoElement) watch.follow(node);
          else if (node instanceof Element)
            node.querySelectorAll('video').forEach((video) => watch.follow(video));
        }
    }).observe(document.body, { childList: true, subtree: true });
    // The capture phase sees the click before the app's own handler runs.
    document.addEventListener(
      'click',
      (event) => {
        if (watch.armed && Number.isNaN(watch.clickedAt)) watch.clickedAt = event.timeStamp;
      },
      true,
    );
    scope.roomkitFirstFrames = watch;
  });
}

/** The pair starts a call and settles into it, each receiving the other's video. */
async function startPair(side: Side): Promise<void> {
  const [ada, bob] = side.pair;
  await button(ada, 'Start call').click();
  await region(ada, 'Call').waitFor({ state: 'visible' });
  await button(bob, 'Join call').click();
  await region(bob, 'Call').waitFor({ state: 'visible' });
  side.pairIds = [await memberIdOf(ada), await memberIdOf(bob)];
  await Promise.all([twoAgain(ada, side.pairIds[1]), twoAgain(bob, side.pairIds[0])]);
}

/** The pair leaves too, and the call ends: nothing sends video while the other side is measured. */
async function endPair(side: Side): Promise<void> {
  for (const page of side.pair) await button(page, 'Leave call').click();
  for (const page of side.pair) await button(page, 'Start call').waitFor({ state: 'visible' });
}

/** One round: the joiner's click to the others' first frames on its page; then it leaves. */
async function joinOnce(side: Side): Promise<Joined & { method: FrameWatch['method'] }> {
  const { joiner, pair, pairIds } = side;
  const join = button(joiner, 'Join call');
  await join.waitFor({ state: 'visible' });
  await joiner.evaluate(() =>
    (window as unknown as { roomkitFirstFrames: FrameWatch }).roomkitFirstFrames.arm(),
  );
  await join.click();
  await joiner.waitForFunction(
    (count) =>
      Object.keys(
        (window as unknown as { roomkitFirstFrames: FrameWatch }).roomkitFirstFrames.frames,
      ).length >= count,
    pairIds.length,
    { timeout: MEDIA_MS, polling: 50 },
  );
  const seen = await joiner.evaluate(() => {
    const watch = (window as unknown as { roomkitFirstFrames: FrameWatch }).roomkitFirstFrames;
    watch.armed = false;
    return { clickedAt: watch.clickedAt, frames: watch.frames, method: watch.method };
  });
  const from = Object.keys(seen.frames).sort();
  if (JSON.stringify(from) !== JSON.stringify([...pairIds].sort()))
    throw new Error(`first-frame: frames from ${from.join(', ')}, not ${pairIds.join(', ')}`);
  if (!Number.isFinite(seen.clickedAt)) throw new Error('first-frame: the click was not seen');
  const after = Object.values(seen.frames).map((at) => at - seen.clickedAt);

  await button(joiner, 'Leave call').click();
  await join.waitFor({ state: 'visible' });
  await Promise.all([twoAgain(pair[0], pairIds[1]), twoAgain(pair[1], pairIds[0])]);
  return { first: Math.min(...after), both: Math.max(...after), method: seen.method };
}

/**
 * The pair starts a call of two, the third joins and leaves (measured), and the pair ends the
 * call: each round starts from the same place, with only the measured side's pages in a call.
 */
async function round(side: Side): Promise<Joined & { method: FrameWatch['method'] }> {
  await startPair(side);
  const joined = await joinOnce(side);
  await endPair(side);
  return joined;
}

async function openSide(
  browser: Browser,
  label: string,
  server: ServerHandle,
  contexts: BrowserContext[],
  log: (line: string) => void,
): Promise<Side> {
  const roomId = await createRoom(server);
  const [ada, bob, cy] = (await Promise.all(
    NAMES.map((name) => enter(browser, server, roomId, name, contexts, log)),
  )) as [Page, Page, Page];
  await watchFrames(cy);
  return { label, server, pair: [ada, bob], pairIds: ['', ''], joiner: cy, first: [], both: [] };
}

export const callsFirstFrame: Benchmark = {
  name: 'first-frame',
  title: 'Join call → first remote frame, mesh vs Janus SFU (Chromium)',
  async run(ctx: BenchContext): Promise<BenchBlock[]> {
    const why = missing();
    if (why !== undefined) {
      ctx.log(`first-frame: skipped, ${why}`);
      return [];
    }
    const rounds = ctx.quick ? 2 : 12;
    let janus: JanusProcess | undefined;
    let browser: Browser | undefined;
    let servers: ServerHandle[] = [];
    const contexts: BrowserContext[] = [];
    const sides: Side[] = [];
    let method: FrameWatch['method'] = 'requestVideoFrameCallback';
    const opening = performance.now();
    try {
      janus = await launchJanus(await freePort());
      process.once('exit', janus.stop);
      servers = await startServers([
        { kind: 'roomkit', web: true },
        {
          kind: 'roomkit',
          web: true,
          env: {
            CALLS_SFU: `janus:${janus.url}`,
            JANUS_API_SECRET,
            CALLS_MESH_VIDEO_MAX: '2',
          },
        },
      ]);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
      });
      const log = (line: string) => ctx.log(line);
      sides.push(await openSide(browser, 'mesh', servers[0]!, contexts, log));
      sides.push(await openSide(browser, 'Janus SFU', servers[1]!, contexts, log));
      ctx.log(
        `first-frame: Janus, two servers and six pages ready in ${formatMs(performance.now() - opening)}`,
      );
      // A round each not counted (none in a smoke run): the call's code and Janus's first room
      // are loaded on first use.
      if (!ctx.quick) for (const side of sides) await round(side);
      for (let r = 0; r < rounds; r++) {
        for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
          const joined = await round(side);
          method = joined.method;
          side.first.push(joined.first);
          side.both.push(joined.both);
          ctx.log(
            `first-frame: ${side.label} round ${r + 1}/${rounds}: first ${formatMs(joined.first)}, both ${formatMs(joined.both)}`,
          );
        }
      }
    } finally {
      for (const context of contexts) await context.close().catch(() => {});
      await browser?.close().catch(() => {});
      await Promise.all(servers.map((server) => server.stop()));
      janus?.stop();
      if (janus) process.off('exit', janus.stop);
    }
    const loadAtEnd = os.loadavg()[0] ?? Number.NaN;
    const [mesh, sfu] = sides.map((side) => ({
      label: side.label,
      first: summarize(side.first),
      both: summarize(side.both),
    })) as [SideResult, SideResult];
    const firstRatio = sfu.first.p50 / mesh.first.p50;
    const bothRatio = sfu.both.p50 / mesh.both.p50;
    const markdown = [
      '### Join call → first remote frame',
      runLine(),
      `A room with three pages in one headless Chromium (\`/usr/bin/chromium\`, each page a browser context of its own, with Chromium's fake camera and microphone): two are in a call, the third clicks "Join call"; measured from that click to the first frame of another's video shown on the third's page (${method === 'requestVideoFrameCallback' ? "`requestVideoFrameCallback` on the remote tiles' `<video>` elements, the frame's expected display time" : "the remote tiles' `<video>` elements polled for a picture and playback"}), and to frames from both others. The third then leaves and waits until the two are a call of two again with video flowing, and the two end their call: each round starts with the pair starting a call and settling into it, so only the measured server's three pages are ever in a call. ${rounds} rounds per server after one not counted, alternating between two Roomkit servers in the same run: **mesh** (no \`CALLS_SFU\`; a call of three is a full mesh) and **Janus** (\`CALLS_SFU\` to Debian's Janus started by the benchmark, \`CALLS_MESH_VIDEO_MAX=2\`). On the Janus server the third's join moves the whole call onto the SFU and its leaving moves it back to a mesh of two, which is what anyone joining a call at the mesh size lives through.`,
      table(
        ['', 'first p50', 'first p90', 'both p50', 'both p90'],
        [mesh, sfu].map((side) => [
          side.label,
          formatMs(side.first.p50),
          formatMs(side.first.p90),
          formatMs(side.both.p50),
          formatMs(side.both.p90),
        ]),
      ),
      `Through Janus, the median wait for a first remote frame is ${firstRatio.toFixed(2)}× the mesh's, and for frames from both others ${bothRatio.toFixed(2)}× (no goal is set for these). Pages, servers and Janus share the machine's ${os.cpus().length} cores with whatever else runs on it (the 1-minute load average was ${loadAtEnd.toFixed(2)} at the end): a round whose video coding waits for a core takes seconds longer, which the p90 column shows; and the mesh, where every sender encodes its camera once per connection, needs more CPU than the SFU, so how busy the machine is can move the ratio either way. What the difference is made of: in the mesh the joiner opens a direct connection to each of the two (offer, answer and ICE between two pages of the same machine), and each of them starts encoding its camera once more for it, beginning with a keyframe. Through Janus the join first moves the call: Roomkit opens a VideoRoom and relays every offer and answer to Janus's HTTP API; each of the three publishes on an \`sfu:publish\` connection and receives the others on an \`sfu:subscribe\` connection, which Janus offers only once their publishers are in the room, and the two already in the call leave their direct connection and renegotiate onto the SFU at the same moment. ${reading(firstRatio)}`,
    ].join('\n\n');
    return [
      {
        id: 'calls:first-frame',
        markdown,
        chart: {
          title: 'Join call → first remote frame, call of three',
          metric: 'Janus SFU ÷ mesh, medians',
          better: 'lower',
          bars: [
            { label: 'First remote frame', ratio: firstRatio },
            { label: 'Frames from both others', ratio: bothRatio },
          ],
        },
        results: { rounds, method, firstRatio, bothRatio, loadAtEnd, mesh, janus: sfu },
      },
    ];
  },
};

/** What the ratio of first frames says about the two paths, in a sentence. */
function reading(ratio: number): string {
  if (ratio > 1.1)
    return 'That chain of steps, one after another, is what the joiner waits for longer.';
  if (ratio < 0.9)
    return (
      'That chain still came out shorter here: what weighs the other way is that through the ' +
      'SFU each sender encodes its camera once, for Janus, where in the mesh it encodes it once ' +
      'per connection.'
    );
  return 'The two paths came out about even here.';
}

interface SideResult {
  label: string;
  first: Summary;
  both: Summary;
}
