/**
 * Embedding: the example integrator's page (examples/embed) on a second origin shows two Roomkit
 * rooms through /embed.js. A message typed in a frame reaches a member outside (a
 * socket.io-client holding its own ticket); the page hears about the others' messages with the
 * unread count, and about a call starting and ending; the two frames stay apart; a frame
 * reloaded after its ticket expired asks for a new one and comes back as the same member; a ticket posted by a sibling frame or another
 * origin is ignored; all of it works with third-party cookies blocked (Chromium's
 * `--test-third-party-cookie-phaseout`), where the frame's token in memory is its only session;
 * after Roomkit restarts the frame renews its token and sends what waited; an operator's delete
 * reaches the page as `room:closing` and `room:closed`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { io } from 'socket.io-client';
import { signTicket, startSite } from '../examples/embed/site.mjs';
import {
  check,
  eventually,
  expectAccessible,
  expectMessage,
  expectVisible,
  freePort,
  messagesOf,
  newDesktop,
  send,
  textbox,
  watch,
} from './lib.mjs';
import { startServer, stopServer } from './server.mjs';

const INTEGRATOR = { id: 'example-shop', secret: `e2e-${randomBytes(16).toString('hex')}` };
/** Short, so that a reload after it has to fetch a new ticket. */
const TICKET_SECONDS = 3;
/** A loopback address of its own: another site than Roomkit's 127.0.0.1 for the browser. */
const SITE_HOST = '127.0.0.2';
const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`;

/**
 * Roomkit started with `options`; should a journey fail before the last one stops it, it keeps
 * neither the run waiting nor running after it.
 */
async function startDetached(options) {
  const roomkit = await startServer(options);
  for (const handle of [roomkit.child, roomkit.child.stdout, roomkit.child.stderr]) handle.unref();
  process.once('exit', () => roomkit.child.kill('SIGKILL'));
  return roomkit;
}

/**
 * Roomkit, stopped already, started again on its port with `env`; resolves once the frame, its
 * token refused, has fetched a new ticket from the site.
 */
async function restartUnderFrame(stopped, env, site) {
  const issued = site.ticketsIssued();
  const again = await startDetached({ port: stopped.port, env });
  await eventually(
    'a new ticket for the refused token',
    () => site.ticketsIssued() > issued,
    20_000,
  );
  return again;
}

/** Whether `member`'s room, as `roomkit` gives it to them, holds a message that `matches`. */
async function roomHolds(roomkit, member, matches) {
  const response = await fetch(`${roomkit.baseUrl}/api/rooms/${member.session.room.id}`, {
    headers: { authorization: `Bearer ${member.session.token}` },
  });
  const state = await response.json();
  return state.messages.some(matches);
}

/** Roomkit with an INTEGRATORS_FILE for the site, and the site: `{ roomkit, site, dir }`. */
async function startBoth({ env = () => ({}), rooms } = {}) {
  const sitePort = await freePort();
  const siteOrigin = `http://${SITE_HOST}:${sitePort}`;
  const dir = mkdtempSync(join(tmpdir(), 'roomkit-embed-e2e-'));
  const file = join(dir, 'integrators.json');
  writeFileSync(
    file,
    JSON.stringify([
      { id: INTEGRATOR.id, secrets: [INTEGRATOR.secret], allowedOrigins: [siteOrigin], rooms },
    ]),
  );
  const roomkit = await startDetached({
    env: { INTEGRATORS_FILE: file, ADMIN_TOKEN, ...env(dir) },
  });
  const site = await startSite({
    port: sitePort,
    host: SITE_HOST,
    roomkitUrl: roomkit.baseUrl,
    integrator: INTEGRATOR,
    ticketSeconds: TICKET_SECONDS,
  });
  site.server.unref();
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return { roomkit, site, dir };
}

/** The frame of the room mounted in `#<id>`, once its document is Roomkit's. */
async function frameOf(page, id, selector = `#${id} iframe`) {
  const handle = await page.locator(selector).elementHandle();
  let frame = null;
  await eventually(`the frame in #${id}`, async () => {
    frame = await handle.contentFrame();
    return frame !== null && frame.url().includes('/embed?');
  });
  return frame;
}

/** The events the page listed under room `id` (public/page.js), parsed. */
async function eventsOf(page, id) {
  const texts = await page.locator(`[data-events="${id}"] li`).allTextContents();
  return texts.map((text) => JSON.parse(text));
}

async function expectEvent(page, id, description, test) {
  await eventually(`the page to receive ${description} from the ${id} frame`, async () =>
    (await eventsOf(page, id)).some(test),
  );
}

/** A member outside the page: the site's signature for `userId`, exchanged, on a socket. */
async function outsider(roomkitUrl, siteOrigin, { roomId, userId, displayName }) {
  const now = Date.now();
  const pair = signTicket(INTEGRATOR.secret, {
    integratorId: INTEGRATOR.id,
    roomId,
    userId,
    displayName,
    role: 'member',
    origin: siteOrigin,
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 30_000).toISOString(),
    nonce: randomBytes(18).toString('base64url'),
  });
  const response = await fetch(`${roomkitUrl}/embed/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(pair),
  });
  check(response.status === 200, `the outsider's exchange answered ${response.status}`);
  const session = await response.json();
  const socket = io(roomkitUrl, {
    transports: ['websocket'],
    auth: { token: session.token },
    forceNew: true,
  });
  const received = [];
  socket.on('message:new', ({ message }) => received.push(message));
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const say = (body) =>
    new Promise((resolve) =>
      socket.emit('message:send', { body, clientMsgId: randomBytes(8).toString('hex') }, resolve),
    );
  return { socket, session, received, say };
}

/** Opens the example page as `name` in `context`, both frames in their rooms. */
async function openPage(context, origin, name, problems) {
  const page = await context.newPage();
  watch(page, name, problems);
  await page.goto(`${origin}/?as=${encodeURIComponent(name)}`);
  const support = await frameOf(page, 'support');
  const team = await frameOf(page, 'team');
  await expectVisible(messagesOf(support), 'region "Messages" in the support frame');
  await expectVisible(messagesOf(team), 'region "Messages" in the team frame');
  return { page, support, team };
}

async function twoRooms({ browser, world, problems }) {
  const { roomkit, site, dir } = await startBoth();
  Object.assign(world, { roomkit, site, dir });
  const context = await newDesktop(browser, site.origin);
  world.context = context;
  const exchanges = [];
  context.on('request', (request) => {
    if (request.url().endsWith('/embed/exchange')) exchanges.push(request);
  });
  const { page, support, team } = await openPage(context, site.origin, 'Ana', problems);
  Object.assign(world, { page, support, team, exchanges });

  await expectEvent(page, 'team', 'joined', (event) => event.name === 'joined');
  const joined = (await eventsOf(page, 'team')).find((event) => event.name === 'joined');
  world.teamRoomId = joined.room.id;
  world.anaTeamMember = joined.member.id;
  const supportJoined = (await eventsOf(page, 'support')).find((e) => e.name === 'joined');
  world.anaSupportMember = supportJoined.member.id;

  // No Roomkit chrome inside: no home link, no share link or code, no account.
  for (const [label, frame] of [
    ['support', support],
    ['team', team],
  ]) {
    for (const name of ['Roomkit home', 'Account', 'Copy link', 'Room menu']) {
      const count = await frame.getByRole('link', { name }).count();
      const buttons = await frame.getByRole('button', { name }).count();
      check(count + buttons === 0, `the ${label} frame shows "${name}"`);
    }
    // Where the browser lets a third-party frame have storage at all, no token goes there.
    const stored = await frame.evaluate(() => {
      try {
        return JSON.stringify(globalThis.localStorage) + JSON.stringify(globalThis.sessionStorage);
      } catch {
        return '';
      }
    });
    check(!stored.includes('token'), `the ${label} frame wrote a token to storage`);
  }
  // The team room is dark, the support room light with the shop's accent.
  check(
    (await team.evaluate(() => globalThis.document.documentElement.dataset.theme)) === 'dark',
    'the team frame is not dark',
  );
  const background = await team.evaluate(
    () => globalThis.getComputedStyle(globalThis.document.body).backgroundColor,
  );
  check(background === 'rgb(21, 23, 28)', `the dark team frame's background is ${background}`);
  await expectAccessible(support, 'the support frame (light, accent)');
  await expectAccessible(team, 'the team frame (dark)');
}

async function messageReachesOutside({ world }) {
  const { page, team, roomkit, site } = world;
  const ben = await outsider(roomkit.baseUrl, site.origin, {
    roomId: 'team',
    userId: 'user-ben',
    displayName: 'Ben',
  });
  world.ben = ben;
  check(ben.session.room.id === world.teamRoomId, 'Ben is not in the team room of the frame');

  await send(team, 'Hello from the frame');
  await eventually('Ben to receive the message typed in the frame', () =>
    ben.received.some((message) => message.body === 'Hello from the frame'),
  );

  // Ana looks at the page, not the frame: Ben's messages are unread, and the page says so.
  await page.getByRole('heading', { name: 'Example Shop' }).click();
  await ben.say('Are you there?');
  await ben.say('Ana?');
  await expectMessage(team, 'Ana?', 'Ana in the team frame');
  await expectEvent(
    page,
    'team',
    'a message with 2 unread',
    (e) => e.name === 'message' && e.unread === 2,
  );
  await expectVisible(
    page.locator('[data-unread="team"]').filter({ hasText: '2' }),
    'the badge "2"',
  );
  // Looking at the frame reads them.
  await textbox(team, 'Message').click();
  await expectEvent(
    page,
    'team',
    'the unread count back to 0',
    (e) => e.name === 'unread' && e.count === 0,
  );
  await ben.say('There you are');
  await expectEvent(
    page,
    'team',
    'a message read at once',
    (e) => e.name === 'message' && e.from === 'Ben' && e.unread === 0,
  );

  // Ben starts a call (sound only, from a plain client): the frame offers to join it, and the
  // page hears the call start, then end when he leaves.
  const ask = (event, payload) =>
    new Promise((resolve) => ben.socket.emit(event, payload, resolve));
  const joined = await ask('call:join', { audio: false, video: false });
  check(joined.ok, `Ben's call:join was refused: ${JSON.stringify(joined)}`);
  await expectVisible(team.getByRole('button', { name: 'Join call', exact: true }), '"Join call"');
  await expectEvent(
    page,
    'team',
    'the call started',
    (e) => e.name === 'call' && e.state === 'started',
  );
  await ask('call:leave', {});
  await expectEvent(
    page,
    'team',
    'the call ended',
    (e) => e.name === 'call' && e.state === 'ended',
  );
  await expectVisible(
    team.getByRole('button', { name: 'Start call', exact: true }),
    '"Start call"',
  );
}

async function framesStayApart({ world }) {
  const { page, support, team } = world;
  // A command to one mount reaches its own frame only, and its events come back to it only.
  await page.evaluate(() => globalThis.rooms.support.send('Sent by the page to support'));
  await expectMessage(support, 'Sent by the page to support', 'Ana in the support frame');
  check(
    (await messagesOf(team).getByText('Sent by the page to support').count()) === 0,
    'the team frame shows the support message',
  );
  check(
    !(await eventsOf(page, 'support')).some((e) => e.name === 'message' && e.from === 'Ben'),
    'the support room reported a message of the team room',
  );
  const supportRoom = (await eventsOf(page, 'support')).find((e) => e.name === 'joined').room.id;
  check(supportRoom !== world.teamRoomId, 'both frames are in one room');
}

async function renewsAfterExpiry({ world }) {
  const { page, site, exchanges } = world;
  const before = site.ticketsIssued();
  const exchangesBefore = exchanges.length;
  await sleep((TICKET_SECONDS + 1) * 1000);
  // The frame reloads on its own (no fragment any more): it asks the page for a ticket.
  const support = await frameOf(page, 'support');
  await support.evaluate(() => globalThis.location.reload());
  const again = await frameOf(page, 'support');
  await expectMessage(again, 'Sent by the page to support', 'Ana after the reload');
  check(site.ticketsIssued() > before, 'no new ticket was fetched for the reload');
  check(exchanges.length > exchangesBefore, 'no new exchange after the reload');
  const joins = (await eventsOf(page, 'support')).filter((e) => e.name === 'joined');
  check(
    joins.every((e) => e.member.id === world.anaSupportMember),
    'the reloaded frame came back as another member',
  );
  world.support = again;
}

async function ignoresForeignTickets({ world }) {
  const { page, site, roomkit, exchanges } = world;
  // A hand-made frame with no snippet behind it: it asks the page for a ticket, nobody answers.
  const frameUrl = `${roomkit.baseUrl}/embed?integrator=${INTEGRATOR.id}&origin=${encodeURIComponent(site.origin)}`;
  await page.evaluate((src) => {
    const frame = globalThis.document.createElement('iframe');
    frame.id = 'bare';
    frame.title = 'Bare room';
    frame.src = src;
    globalThis.document.body.append(frame);
  }, frameUrl);
  const bare = await frameOf(page, 'bare', '#bare');
  await expectVisible(bare.getByText('Opening the chat…'), 'the bare frame waiting');

  const ticketMessage = async () => ({
    protocol: 'roomkit-embed',
    type: 'ticket',
    ...(await page.evaluate(async () => {
      const response = await fetch('/ticket', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ room: 'support' }),
      });
      return response.json();
    })),
  });
  const exchangesBefore = exchanges.length;
  const message = await ticketMessage();
  // A sibling of the page's own origin, then a frame of another origin, post the ticket.
  await page.evaluate((data) => {
    const sibling = globalThis.document.createElement('iframe');
    sibling.title = 'Sibling';
    sibling.srcdoc = `<script>parent.document.getElementById('bare').contentWindow.postMessage(${JSON.stringify(data)}, '*');</script>`;
    globalThis.document.body.append(sibling);
    const foreign = globalThis.document.createElement('iframe');
    foreign.title = 'Foreign';
    foreign.src = `data:text/html,<script>parent.frames[parent.frames.length - 2].postMessage(${encodeURIComponent(JSON.stringify(data))}, '*');</script>`;
    globalThis.document.body.append(foreign);
  }, message);
  await sleep(1_500);
  check(exchanges.length === exchangesBefore, 'a ticket from a sibling or another origin was used');
  await expectVisible(bare.getByText('Opening the chat…'), 'the bare frame still waiting');
  // The parent itself is heard (with a fresh ticket: the first may have expired meanwhile).
  await page.evaluate(
    (data) => globalThis.document.getElementById('bare').contentWindow.postMessage(data, '*'),
    await ticketMessage(),
  );
  await expectVisible(messagesOf(bare), 'region "Messages" in the bare frame');

  // A plain <iframe src="/embed?ticket=…&sig=…">: Roomkit moves the ticket into the fragment,
  // and the frame takes it from there.
  const { ticket, sig } = await ticketMessage();
  await page.evaluate(
    (src) => {
      const frame = globalThis.document.createElement('iframe');
      frame.id = 'plain';
      frame.title = 'Plain room';
      frame.src = src;
      globalThis.document.body.append(frame);
    },
    `${roomkit.baseUrl}/embed?${new URLSearchParams({ ticket, sig })}`,
  );
  const plain = await frameOf(page, 'plain', '#plain');
  await expectVisible(messagesOf(plain), 'region "Messages" in the query-form frame');
  check(!plain.url().includes('ticket='), `the ticket stayed in the frame's URL: ${plain.url()}`);
}

async function withoutThirdPartyCookies({ world, problems }) {
  const { site, roomkit } = world;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--test-third-party-cookie-phaseout'],
  });
  world.blockedBrowser = browser;
  const context = await newDesktop(browser, site.origin);
  const { page, team } = await openPage(context, site.origin, 'Cleo', problems);
  world.blockedPage = page;
  await send(team, 'Cleo without cookies');
  await eventually('Ben to receive Cleo’s message', () =>
    world.ben.received.some((message) => message.body === 'Cleo without cookies'),
  );
  const cookies = await context.cookies(roomkit.baseUrl);
  check(cookies.length === 0, `Roomkit set cookies: ${cookies.map((c) => c.name).join(', ')}`);
  await expectAccessible(team, 'the team frame, third-party cookies blocked');
}

/**
 * Roomkit restarts (in memory: it forgets the room, and its tokens no longer hold): the frame's
 * token is refused, the frame asks for a new ticket, the room is made again, and what was typed
 * while Roomkit was down goes out there.
 */
async function renewsAfterRestart({ world }) {
  const { page, site, dir } = world;
  const team = await frameOf(page, 'team');
  await stopServer(world.roomkit);
  world.ben.socket.disconnect();
  await send(team, 'While Roomkit was down');
  const again = await restartUnderFrame(
    world.roomkit,
    { INTEGRATORS_FILE: join(dir, 'integrators.json'), ADMIN_TOKEN },
    site,
  );
  world.roomkit = again;
  const eve = await outsider(again.baseUrl, site.origin, {
    roomId: 'team',
    userId: 'user-eve',
    displayName: 'Eve',
  });
  world.eve = eve;
  await eventually(
    'the message typed while Roomkit was down to reach the room',
    () =>
      roomHolds(
        again,
        eve,
        (m) => m.body === 'While Roomkit was down' && m.sender?.displayName === 'Ana',
      ),
    20_000,
  );
  await send(team, 'After the restart');
  await eventually('Eve to receive the message after the renewal', () =>
    eve.received.some((m) => m.body === 'After the restart'),
  );
}

/**
 * Roomkit, its rooms kept in SQLite, restarts with another SESSION_SECRET: the frame's token is
 * refused, the frame asks for a new ticket and carries on as the same member in the same room,
 * the view kept, and what was typed meanwhile goes out.
 */
async function renewsAsTheSameMember({ world, problems }) {
  const secret = (seed) => `${seed}-session-secret-`.padEnd(40, seed);
  const { roomkit, site, dir } = await startBoth({
    env: (at) => ({
      DATABASE_URL: `sqlite:${join(at, 'roomkit.db')}`,
      SESSION_SECRET: secret('a'),
    }),
    rooms: { persistent: true },
  });
  world.kept = { roomkit, site, dir };
  const { page, team } = await openPage(world.context, site.origin, 'Dana', problems);
  world.keptPage = page;
  await send(team, 'Before the restart');
  await expectMessage(team, 'Before the restart', 'Dana');
  await expectEvent(page, 'team', 'joined', (e) => e.name === 'joined');
  const memberId = (await eventsOf(page, 'team')).find((e) => e.name === 'joined').member.id;

  await stopServer(roomkit);
  await send(team, 'While Roomkit was down');
  const again = await restartUnderFrame(
    roomkit,
    {
      INTEGRATORS_FILE: join(dir, 'integrators.json'),
      DATABASE_URL: `sqlite:${join(dir, 'roomkit.db')}`,
      SESSION_SECRET: secret('b'),
    },
    site,
  );
  world.kept.roomkit = again;
  const eve = await outsider(again.baseUrl, site.origin, {
    roomId: 'team',
    userId: 'user-eve',
    displayName: 'Eve',
  });
  world.keptEve = eve;
  await eventually(
    'the message typed while Roomkit was down to reach the room, from the same member',
    () =>
      roomHolds(
        again,
        eve,
        (m) => m.body === 'While Roomkit was down' && m.sender?.id === memberId,
      ),
    20_000,
  );
  // The same view: what was on screen before the restart is still there.
  await expectMessage(team, 'Before the restart', 'Dana after the renewal');
  const joins = (await eventsOf(page, 'team')).filter((e) => e.name === 'joined');
  check(joins.length === 1, `joined came ${joins.length} times for one member`);
}

/** An operator deletes the team room with a grace period: the page hears the end coming. */
async function roomClosing({ world }) {
  const { page, roomkit, eve } = world;
  const response = await fetch(
    `${roomkit.baseUrl}/api/admin/rooms/${eve.session.room.id}?grace=2`,
    {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    },
  );
  check(response.status === 202, `the delete answered ${response.status}`);
  await expectEvent(page, 'team', 'room:closing', (e) => e.name === 'room:closing');
  await expectEvent(page, 'team', 'room:closed', (e) => e.name === 'room:closed');
  const closings = (await eventsOf(page, 'team')).filter((e) => e.name === 'room:closing');
  check(closings.length === 1, `room:closing came ${closings.length} times for one countdown`);
  check(
    !(await eventsOf(page, 'support')).some((e) => e.name.startsWith('room:')),
    'the support frame reported the team room’s end',
  );
}

async function tearDown({ world }) {
  world.keptEve?.socket.disconnect();
  if (world.kept) {
    world.kept.site.server.close();
    await stopServer(world.kept.roomkit);
  }
  world.eve?.socket.disconnect();
  world.ben?.socket.disconnect();
  await world.blockedBrowser?.close();
  await world.context?.close();
  world.site?.server.close();
  await stopServer(world.roomkit);
  if (world.dir) rmSync(world.dir, { recursive: true, force: true });
}

export const journeys = [
  { name: 'the example page shows two rooms in frames, without Roomkit’s chrome', run: twoRooms },
  {
    name: 'a message typed in a frame reaches a member outside; the page hears the unread count and the call',
    run: messageReachesOutside,
  },
  { name: 'two frames on one page stay apart', run: framesStayApart },
  {
    name: 'a frame reloaded after its ticket expired comes back as the same member',
    run: renewsAfterExpiry,
  },
  {
    name: 'a ticket posted by a sibling frame or another origin is ignored; the query form works',
    run: ignoresForeignTickets,
  },
  {
    name: 'with third-party cookies blocked, the token in memory carries the session',
    run: withoutThirdPartyCookies,
  },
  {
    name: 'after Roomkit restarts, the frame renews its ticket and sends what waited',
    run: renewsAfterRestart,
  },
  {
    name: 'after a restart with another secret, the frame renews as the same member',
    run: renewsAsTheSameMember,
  },
  { name: 'an operator’s delete: the page hears room:closing, then room:closed', run: roomClosing },
  { name: 'stops the example site and its Roomkit', run: tearDown },
];

export const pagesOf = (world) => ({
  page: world.page,
  blocked: world.blockedPage,
  kept: world.keptPage,
});
