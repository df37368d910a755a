/**
 * Reconnects tell the truth, and a room's end loses nothing on screen. Offline, a phone (dark)
 * keeps writing: its messages wait as "Not sent yet", survive a reload while still offline, and
 * reach the desktop (light) exactly once, in order, when the network is back. Then a server of
 * this journey's own, in memory mode, restarts under a room: both pages say the room is gone
 * with the restart, keep the messages, the photo and the draft, and "Save conversation" gives
 * all of it, the message never sent included.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  button,
  check,
  eventually,
  EXPECT_MS,
  expectAccessible,
  expectImageLoaded,
  expectMessage,
  expectPresence,
  expectVisible,
  filesOf,
  hideMembers,
  membersOf,
  messagesOf,
  newDesktop,
  newPhone,
  send,
  showMembers,
  textbox,
  uploadWithButton,
  watch,
} from './lib.mjs';
import { startServer, stopServer } from './server.mjs';

/** How long a page may take to notice a restarted server (Socket.IO's backoff is up to 5 s). */
const RESTART_MS = 25_000;

async function createRoom(baseUrl, name) {
  const response = await fetch(`${baseUrl}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  check(response.status === 201, `creating a room answered ${response.status}`);
  return (await response.json()).room;
}

async function joinAs(page, roomId, name) {
  await page.goto(`/r/${roomId}`);
  await textbox(page, 'Display name').fill(name);
  await button(page, 'Join').click();
  await expectVisible(messagesOf(page), `region "Messages" for ${name}`);
}

const itemWith = (page, text) => messagesOf(page).getByRole('listitem').filter({ hasText: text });

/** The banner of the connection (its role is status), with the text given. */
const banner = (page, text) => page.getByRole('status').filter({ hasText: text });

async function openPair({ browser, baseUrl, world, problems }, roomName) {
  const desktop = await newDesktop(browser, baseUrl);
  desktop.setDefaultTimeout(EXPECT_MS);
  const phone = await newPhone(browser, baseUrl);
  phone.setDefaultTimeout(EXPECT_MS);
  const ada = await desktop.newPage();
  const grace = await phone.newPage();
  watch(ada, 'desktop', problems);
  watch(grace, 'phone', problems);
  Object.assign(world, { desktop, phone, ada, grace });
  const room = await createRoom(baseUrl, roomName);
  await joinAs(ada, room.id, 'Ada');
  await joinAs(grace, room.id, 'Grace');
  return { desktop, phone, ada, grace, room };
}

/** The shortest life a room can have (API.md, "Room defaults"); the sweep runs every 5 s. */
const SHORT_TTL_SECONDS = 60;

async function outboxWhileOffline(context) {
  // A room for the last journey, whose time runs out while the others run.
  const shortResponse = await fetch(`${context.baseUrl}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Short one', ttlSeconds: SHORT_TTL_SECONDS }),
  });
  check(shortResponse.status === 201, `creating a short room answered ${shortResponse.status}`);
  context.world.shortRoom = (await shortResponse.json()).room;

  const { desktop, phone, ada, grace } = await openPair(context, 'Outbox');
  context.world.shared = { desktop, phone };
  await expectPresence(ada, 'Grace', 'online', 'Ada');
  // The offline shell needs the service worker in control before the network goes.
  await grace.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await grace.reload();
  await expectVisible(messagesOf(grace), 'region "Messages" for Grace');

  try {
    await phone.setOffline(true);
    await expectVisible(banner(grace, "You're offline."), 'the offline banner on the phone');
    check(
      (await grace.getByRole('status').filter({ hasText: 'Reconnecting…' }).count()) === 1,
      'the phone shows more than one banner about the connection',
    );
    // Nobody's presence is known while the connection is down.
    await showMembers(grace);
    await expectVisible(
      membersOf(grace).getByText('Presence unknown while reconnecting'),
      'presence shown as unknown',
    );
    check(
      (await membersOf(grace)
        .getByText(/\d+ online/)
        .count()) === 0,
      'the member list still counts people online while reconnecting',
    );
    await hideMembers(grace);
    const closeDrawer = membersOf(grace).getByRole('button', { name: 'Close', exact: true });
    if (await closeDrawer.isVisible()) await closeDrawer.click();

    await send(grace, 'Written offline, first');
    await send(grace, 'Written offline, second');
    for (const text of ['Written offline, first', 'Written offline, second']) {
      await expectVisible(
        itemWith(grace, text).filter({ hasText: 'Not sent yet' }),
        `"${text}" shown as not sent yet`,
      );
    }
    await grace.screenshot({ path: join(context.artifacts, 'honest-phone-outbox.png') });
    await expectAccessible(grace, 'an offline room with its outbox on a phone (dark)');

    // A reload while still offline: the shell comes from the service worker, the outbox from
    // this browser's storage.
    await grace.reload();
    await expectVisible(
      banner(grace, "You're offline. The room opens when you're back online."),
      'the offline banner after a reload while offline',
    );
    check(
      (await grace.getByText('Connecting…', { exact: true }).count()) === 0,
      'the room says "Connecting…" while offline',
    );
    for (const text of ['Written offline, first', 'Written offline, second']) {
      await expectVisible(
        itemWith(grace, text).filter({ hasText: 'Not sent yet' }),
        `"${text}" still not sent yet after the reload`,
      );
    }
    await expectAccessible(grace, 'a room opened offline on a phone (dark)');
  } finally {
    await phone.setOffline(false);
  }

  // Back online: the outbox goes out by itself, in order, and each message arrives once.
  await expectMessage(ada, 'Written offline, second', 'Ada');
  await eventually('Grace’s outbox to be empty', async () => {
    return (await messagesOf(grace).getByText('Not sent yet').count()) === 0;
  });
  await eventually('each outbox message once, in order, for Ada', async () => {
    const texts = await messagesOf(ada).getByRole('listitem').allInnerTexts();
    const first = texts.filter((text) => text.includes('Written offline, first'));
    const second = texts.filter((text) => text.includes('Written offline, second'));
    return (
      first.length === 1 &&
      second.length === 1 &&
      texts.findIndex((text) => text.includes('Written offline, first')) <
        texts.findIndex((text) => text.includes('Written offline, second'))
    );
  });
  await expectPresence(ada, 'Grace', 'online', 'Ada after Grace is back');
  await expectAccessible(ada, 'the room on a desktop after the outbox arrived (light)');
}

async function restartEndsTheRoom(context) {
  const { world } = context;
  // A server of this journey's own, in memory mode (no database): its rooms end with it.
  let server = await startServer();
  world.ownServer = server;
  try {
    const { desktop, phone, ada, grace } = await openPair(
      { ...context, baseUrl: server.baseUrl },
      'Memory room',
    );
    await send(ada, 'Said before the restart');
    const photo = {
      name: 'lighthouse.jpg',
      mimeType: 'image/jpeg',
      buffer: await sharp({
        create: { width: 800, height: 600, channels: 3, background: '#3366cc' },
      })
        .jpeg()
        .toBuffer(),
    };
    await uploadWithButton(ada, photo);
    const photoIn = (page) => messagesOf(page).getByRole('img', { name: 'lighthouse.jpg' });
    await expectImageLoaded(photoIn(grace), 'the photo in Grace’s chat');
    await expectImageLoaded(photoIn(ada), 'the photo in Ada’s chat');
    await expectMessage(grace, 'Said before the restart', 'Grace');

    await stopServer(server);
    await expectVisible(banner(grace, 'The server is restarting.'), 'the restart banner');
    check(
      (await grace.getByText(/closes in/).count()) === 0,
      'a countdown to the room’s end was shown for a server restart',
    );
    await send(grace, 'Typed while the server was down');
    await expectVisible(
      itemWith(grace, 'Typed while the server was down').filter({ hasText: 'Not sent yet' }),
      'the message typed during the restart as not sent yet',
    );
    await textbox(grace, 'Message').fill('Half a thought');

    server = await startServer({ port: server.port });
    world.ownServer = server;

    for (const [page, who] of [
      [grace, 'Grace'],
      [ada, 'Ada'],
    ]) {
      const heading = page.getByRole('heading', { name: 'This room has ended' });
      try {
        await heading.waitFor({ state: 'visible', timeout: RESTART_MS });
      } catch {
        throw new Error(`expected ${who} to see "This room has ended" after the restart`);
      }
      await expectVisible(
        page.getByText("It lived in the server's memory, and the server restarted"),
        `${who}: why the room is gone`,
      );
      await expectVisible(page.getByRole('link', { name: 'Go to the home page' }), 'a way home');
      await expectMessage(page, 'Said before the restart', `${who} after the end`);
      await expectImageLoaded(photoIn(page), `the photo still shown to ${who}`);
      check(await button(page, 'Send').isDisabled(), `${who} can still press "Send"`);
      check(await button(page, 'Upload').isDisabled(), `${who} can still press "Upload"`);
    }
    // The gallery keeps the picture, but it no longer opens: the full size would need the server.
    const galleryPhoto = filesOf(ada).getByRole('img', { name: 'lighthouse.jpg' });
    await expectImageLoaded(galleryPhoto, 'the photo still in Ada’s gallery');
    check(
      (await filesOf(ada).getByRole('button', { name: 'lighthouse.jpg' }).count()) === 0,
      'the ended room’s gallery still offers to open the photo',
    );
    check(
      (await textbox(grace, 'Display name').count()) === 0,
      'Grace was asked for a name again after the restart',
    );
    await expectVisible(
      itemWith(grace, 'Typed while the server was down').filter({ hasText: 'Not sent' }),
      'the unsent message still shown to Grace',
    );
    const draft = textbox(grace, 'Message');
    check((await draft.inputValue()) === 'Half a thought', 'the draft is gone after the end');
    check(!(await draft.isEditable()), 'the draft can still be edited after the end');
    await expectVisible(button(grace, 'Copy draft'), '"Copy draft"');

    const [download] = await Promise.all([
      grace.waitForEvent('download'),
      button(grace, 'Save conversation').click(),
    ]);
    check(
      /^Memory-room-\d{4}-\d\d-\d\d\.md$/.test(download.suggestedFilename()),
      `the saved file is named ${download.suggestedFilename()}`,
    );
    const saved = await readFile(await download.path(), 'utf8');
    for (const part of [
      '# Memory room',
      '**Ada** · ',
      'Said before the restart',
      '[file] lighthouse.jpg',
      'Grace joined',
      '## Not sent',
      'Typed while the server was down',
      'Half a thought',
      'the server restarted',
    ]) {
      check(saved.includes(part), `the saved conversation lacks ${JSON.stringify(part)}`);
    }

    await ada.screenshot({ path: join(context.artifacts, 'honest-desktop-ended.png') });
    await grace.screenshot({ path: join(context.artifacts, 'honest-phone-ended.png') });
    await expectAccessible(ada, 'an ended room on a desktop (light)');
    await expectAccessible(grace, 'an ended room on a phone (dark)');
    await desktop.close();
    await phone.close();
  } finally {
    await stopServer(server);
  }
}

async function expiryKeepsTheConversation({ world }) {
  const { shortRoom } = world;
  const { desktop, phone } = world.shared;
  const ada = await desktop.newPage();
  const grace = await phone.newPage();
  Object.assign(world, { ada, grace });
  await joinAs(ada, shortRoom.id, 'Ada');
  await joinAs(grace, shortRoom.id, 'Grace');
  await send(ada, 'Last words before the end');
  await expectMessage(grace, 'Last words before the end', 'Grace');
  await textbox(grace, 'Message').fill('Something I never sent');

  const untilEnd = Date.parse(shortRoom.expiresAt) - Date.now() + 15_000;
  for (const [page, who] of [
    [grace, 'Grace'],
    [ada, 'Ada'],
  ]) {
    try {
      await page
        .getByRole('heading', { name: 'This room has ended' })
        .waitFor({ state: 'visible', timeout: Math.max(untilEnd, EXPECT_MS) });
    } catch {
      throw new Error(`expected ${who} to see "This room has ended" when its time ran out`);
    }
    await expectVisible(page.getByText('It has reached the end of its life.'), `${who}: why`);
    await expectMessage(page, 'Last words before the end', `${who} after the end`);
  }
  check(
    (await textbox(grace, 'Message').inputValue()) === 'Something I never sent',
    'the draft is gone after the room expired',
  );
  const [download] = await Promise.all([
    ada.waitForEvent('download'),
    button(ada, 'Save conversation').click(),
  ]);
  const saved = await readFile(await download.path(), 'utf8');
  check(
    saved.includes('# Short one') && saved.includes('Last words before the end'),
    `the saved conversation lacks the room or its message:\n${saved}`,
  );
  await expectAccessible(ada, 'an expired room on a desktop (light)');
  await expectAccessible(grace, 'an expired room on a phone (dark)');
}

export const journeys = [
  {
    name: 'offline, messages wait as "Not sent yet", survive a reload and arrive once',
    run: outboxWhileOffline,
  },
  {
    name: 'a memory-mode restart ends the room: the page keeps it all and saves it',
    run: restartEndsTheRoom,
  },
  {
    name: 'a room whose time runs out keeps its conversation on screen, saved on demand',
    run: expiryKeepsTheConversation,
  },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { desktop: world.ada, phone: world.grace };
}
