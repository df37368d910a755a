/**
 * A call past the mesh size goes through Debian's Janus (`CALLS_SFU`): four people in a mesh,
 * a fifth joins and the call moves onto the SFU, where each of the five receives the other
 * four's sound and picture; one leaves and the four left are a mesh again, and carry on.
 *
 * This file starts its own Roomkit server, with Janus beside it (test/janus.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import {
  callContext,
  callOf,
  enter,
  expectMediaFrom,
  memberIdOf,
  readSfuFlow,
  tilesOf,
} from './callLib.mjs';
import { button, check, eventually, freePort } from './lib.mjs';
import { startServer, stopServer } from './server.mjs';

const { launchJanus, JANUS_API_SECRET } = await tsImport('../test/janus.ts', import.meta.url);

/** Janus, ICE and five pages' decoders share two cores: media takes longer to settle here. */
const MEDIA_MS = 45_000;
const NAMES = ['Ada', 'Bob', 'Cy', 'Dee', 'Eve'];

/** Waits, as long as media may take here, until `locator` is shown. */
const shown = (locator, what) => eventually(what, () => locator.isVisible(), MEDIA_MS);

/** The topology each page's call has, as the page sees it. */
const topologyOf = (page) =>
  page.evaluate(() => {
    const keys = Object.keys(globalThis.roomkitCall.connections());
    return keys.some((key) => key.startsWith('sfu:')) ? 'sfu' : 'mesh';
  });

async function fiveThroughSfu({ browser, artifacts, world, problems }) {
  if (spawnSync('janus', ['--version']).error) throw new Error('janus is not installed');
  const janus = await launchJanus(await freePort());
  process.once('exit', janus.stop);
  world.janus = janus;
  const server = await startServer({
    env: { CALLS_SFU: `janus:${janus.url}`, JANUS_API_SECRET },
  });
  world.server = server;
  const created = await fetch(`${server.baseUrl}/api/rooms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Big call' }),
  });
  check(created.status === 201, `POST /api/rooms answered ${created.status}`);
  const { room } = await created.json();

  world.pages = [];
  for (const name of NAMES) {
    const context = await callContext(browser, server.baseUrl);
    context.setDefaultTimeout(MEDIA_MS);
    world.pages.push(await enter(context, room.id, name, name.toLowerCase(), problems));
  }
  const [ada, ...rest] = world.pages;
  world.ids = await Promise.all(world.pages.map(memberIdOf));
  const othersOf = (index) => world.ids.filter((_, i) => i !== index);

  // Four make a mesh.
  await button(ada, 'Start call').click();
  await shown(callOf(ada), 'region "Call" for Ada');
  for (const page of rest.slice(0, 3)) {
    await button(page, 'Join call').click();
    await shown(callOf(page), 'region "Call"');
  }
  await eventually('a mesh of four', async () => (await topologyOf(ada)) === 'mesh', MEDIA_MS);
  await expectMediaFrom(ada, world.ids.slice(1, 4), 'Ada in the mesh', { ms: MEDIA_MS });

  // The fifth moves the call onto the SFU: everyone receives the other four through it.
  await button(world.pages[4], 'Join call').click();
  for (const [index, page] of world.pages.entries()) {
    await eventually(
      `${NAMES[index]}'s call to go through the SFU`,
      async () => (await topologyOf(page)) === 'sfu',
      MEDIA_MS,
    );
  }
  for (const [index, page] of world.pages.entries()) {
    await expectMediaFrom(page, othersOf(index), `${NAMES[index]} through the SFU`, {
      read: readSfuFlow,
      ms: MEDIA_MS,
    });
  }
  await eventually(
    'five tiles for Eve',
    async () => (await tilesOf(world.pages[4]).count()) === 5,
    MEDIA_MS,
  );
  await world.pages[4].screenshot({ path: join(artifacts, 'call-sfu-five.png') });
}

async function screenThroughSfu({ world }) {
  const [ada, bob] = world.pages;
  await button(ada, 'Share screen').click();
  const screen = callOf(bob).getByLabel("Ada's screen", { exact: true });
  await shown(screen, "Ada's screen for Bob");
  await eventually(
    "Ada's screen to show moving pictures through the SFU",
    async () => (await screen.evaluate((video) => video.videoWidth * video.videoHeight)) > 0,
    MEDIA_MS,
  );
  // Two video streams from Ada reach Bob: her camera and her screen.
  await eventually(
    'two video streams from Ada',
    async () => (await readSfuFlow(bob))[world.ids[0]]?.videoStreams === 2,
    MEDIA_MS,
  );
  await button(ada, 'Share screen').click();
  await eventually(
    "Ada's screen to be gone once she stopped sharing",
    async () => !(await screen.isVisible()),
    MEDIA_MS,
  );
}

/** The ufrag of the ICE session in use on `side` of the page's connections to the SFU. */
function sfuUfrag(page, side) {
  return page.evaluate((key) => {
    const sdp = globalThis.roomkitCall.connections()[key]?.remoteDescription?.sdp ?? '';
    return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null;
  }, side);
}

async function iceRestartsThroughSfu({ world }) {
  const [, bob] = world.pages;
  const bobsOthers = world.ids.filter((id) => id !== world.ids[1]);
  // Each side's failure gets a new ICE session: Bob's own offer on the sending side, the SFU's
  // offer on the receiving side; media goes on both ways.
  for (const side of ['sfu:publish', 'sfu:subscribe']) {
    const before = await sfuUfrag(bob, side);
    check(before !== null, `no ICE ufrag on Bob's ${side}`);
    await bob.evaluate((key) => globalThis.roomkitCall.failConnection(key), side);
    await eventually(
      `a new ICE session on Bob's ${side}`,
      async () => {
        const after = await sfuUfrag(bob, side);
        return after !== null && after !== before;
      },
      MEDIA_MS,
    );
  }
  await expectMediaFrom(bob, bobsOthers, 'Bob after the ICE restarts', {
    read: readSfuFlow,
    ms: MEDIA_MS,
  });
  await expectMediaFrom(
    world.pages[2],
    world.ids.filter((id) => id !== world.ids[2]),
    'Cy',
    {
      read: readSfuFlow,
      ms: MEDIA_MS,
    },
  );
}

async function backToMesh({ world }) {
  const [ada, bob, , , eve] = world.pages;
  await button(eve, 'Leave call').click();
  await eventually(
    '"Join call" again for Eve',
    () => button(eve, 'Join call').isVisible(),
    MEDIA_MS,
  );
  for (const page of world.pages.slice(0, 4)) {
    await eventually(
      'the call of four to be a mesh again',
      async () => (await topologyOf(page)) === 'mesh',
      MEDIA_MS,
    );
  }
  await expectMediaFrom(ada, world.ids.slice(1, 4), 'Ada in the mesh again', { ms: MEDIA_MS });
  await expectMediaFrom(bob, [world.ids[0], world.ids[2], world.ids[3]], 'Bob in the mesh again', {
    ms: MEDIA_MS,
  });
}

async function endAll({ world }) {
  try {
    for (const page of world.pages?.slice(0, 4) ?? []) {
      if (!page.isClosed()) await button(page, 'Leave call').click();
    }
  } finally {
    await stopServer(world.server);
    world.janus?.stop();
  }
}

export const journeys = [
  { name: 'five in one call go through Janus: each receives the other four', run: fiveThroughSfu },
  { name: 'a shared screen reaches the others through the SFU', run: screenThroughSfu },
  {
    name: 'failed connections to the SFU recover through ICE restarts',
    run: iceRestartsThroughSfu,
  },
  { name: 'one leaves: the four left are a mesh again and carry on', run: backToMesh },
  { name: 'everyone leaves; the server and Janus stop', run: endAll },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return Object.fromEntries((world.pages ?? []).map((page, i) => [NAMES[i].toLowerCase(), page]));
}
