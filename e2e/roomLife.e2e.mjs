/**
 * A room's end is never a surprise: the creator names the room and picks its life, then only a
 * display name; the room shows when it ends, warns a minute before, and its owner keeps it for
 * another hour with "Extend room" while a member sees the same warning without the button. With a
 * database, the owner keeps a room made for an hour ("Keep this room") while people are in it, and
 * it outlives a restart of the server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  button,
  check,
  EXPECT_MS,
  expectHidden,
  expectMessage,
  expectVisible,
  messagesOf,
  newDesktop,
  newPhone,
  send,
  textbox,
  watch,
} from './lib.mjs';
import { startServer, stopServer } from './server.mjs';

async function createNamedRoom({ browser, baseUrl, world, problems }) {
  const desktop = await newDesktop(browser, baseUrl);
  desktop.setDefaultTimeout(EXPECT_MS);
  const ada = await desktop.newPage();
  watch(ada, 'desktop', problems);
  Object.assign(world, { desktop, ada });

  await ada.goto('/');
  await textbox(ada, 'Room name').fill('Standup');
  await ada.getByRole('radio', { name: '1 day', exact: true }).check();
  await button(ada, 'Create room').click();
  await ada.waitForURL(/\/r\/[A-Za-z0-9_-]{22,64}$/);
  // Straight to the room: only a name is asked for, with the room's name and code in view.
  await expectVisible(ada.getByRole('heading', { name: 'Standup', exact: true }), 'the room name');
  const code = (await ada.getByTestId('created-join-code').innerText()).trim();
  check(/^[34679ACDEFGHJKMNPQRTWXY]{6}$/.test(code), `the join code looks wrong: "${code}"`);
  await textbox(ada, 'Display name').fill('Ada');
  await button(ada, 'Join').click();
  await expectVisible(messagesOf(ada), 'region "Messages" for Ada');
  // A day away: a quiet line, and the owner's button.
  await expectVisible(ada.getByText(/^Ends .*at /), 'when the room ends');
  await expectVisible(button(ada, 'Extend room'), 'the owner’s "Extend room"');
}

async function warnedAndExtended({ browser, baseUrl, world, problems }) {
  const { ada } = world;
  const created = await fetch(`${baseUrl}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // The warning comes at the first sweep (every 5 s) within 60 s of the end: 15–20 s from now,
    // once both are in.
    body: JSON.stringify({ name: 'Quick one', ttlSeconds: 75 }),
  });
  check(created.status === 201, `creating a short room answered ${created.status}`);
  const { room } = await created.json();

  await ada.goto(`/r/${room.id}`);
  await textbox(ada, 'Display name').fill('Ada');
  await button(ada, 'Join').click();
  await expectVisible(messagesOf(ada), 'region "Messages" for Ada');

  const phone = await newPhone(browser, baseUrl);
  phone.setDefaultTimeout(EXPECT_MS);
  const grace = await phone.newPage();
  watch(grace, 'phone', problems);
  world.grace = grace;
  await grace.goto(`/r/${room.id}`);
  await textbox(grace, 'Display name').fill('Grace');
  await button(grace, 'Join').click();
  await expectVisible(messagesOf(grace), 'region "Messages" for Grace');

  // The server's warning a minute before the end reaches both; only the owner may extend.
  const warning = (page) =>
    page.getByRole('alert').filter({ hasText: 'This room ends in about a minute.' });
  for (const [page, who] of [
    [ada, 'Ada'],
    [grace, 'Grace'],
  ]) {
    try {
      await warning(page).first().waitFor({ state: 'visible', timeout: 30_000 });
    } catch {
      throw new Error(`expected the one-minute warning for ${who} to be visible`);
    }
  }
  await expectVisible(ada.getByText('Ends in', { exact: false }), 'the countdown');
  check((await button(grace, 'Extend room').count()) === 0, 'a member was offered "Extend room"');

  await button(ada, 'Extend room').click();
  for (const page of [ada, grace]) {
    await expectHidden(warning(page), 'the warning after the extension');
    await expectVisible(page.getByText(/^Ends .*at /), 'the new, quiet end');
  }
}

async function keptWhileInUse({ browser, world, problems }) {
  // A server of this journey's own, with a database, stopped and started again on its files.
  const dir = await mkdtemp(join(tmpdir(), 'roomkit-e2e-keep-'));
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'roomkit.db')}`,
    SESSION_SECRET: 'e2e-keep-journey-secret-of-32-characters',
  };
  let server = await startServer({ env });
  try {
    const desktop = await newDesktop(browser, server.baseUrl);
    desktop.setDefaultTimeout(EXPECT_MS);
    const ada = await desktop.newPage();
    watch(ada, 'desktop', problems);
    world.ada = ada;
    await ada.goto('/');
    await textbox(ada, 'Room name').fill('Field notes');
    // With a database the form offers to keep the room; Ada first makes it for an hour.
    await expectVisible(ada.getByRole('radio', { name: 'Until deleted', exact: true }), 'kept');
    await ada.getByRole('radio', { name: '1 hour', exact: true }).check();
    await button(ada, 'Create room').click();
    await ada.waitForURL(/\/r\/[A-Za-z0-9_-]{22,64}$/);
    const roomUrl = new URL(ada.url()).pathname;
    await textbox(ada, 'Display name').fill('Ada');
    await button(ada, 'Join').click();
    await expectVisible(messagesOf(ada), 'region "Messages" for Ada');

    const phone = await newPhone(browser, server.baseUrl);
    phone.setDefaultTimeout(EXPECT_MS);
    const grace = await phone.newPage();
    watch(grace, 'phone', problems);
    world.grace = grace;
    await grace.goto(roomUrl);
    await textbox(grace, 'Display name').fill('Grace');
    await button(grace, 'Join').click();
    await expectVisible(messagesOf(grace), 'region "Messages" for Grace');
    await send(grace, 'Notes from the shore');
    await expectMessage(ada, 'Notes from the shore', 'Ada');

    check(
      (await button(grace, 'Keep this room').count()) === 0,
      'a member was offered "Keep this room"',
    );
    await button(ada, 'Keep this room').click();
    await expectVisible(
      ada.getByRole('status').filter({ hasText: 'This room is kept until it is deleted.' }),
      'that the room is kept',
    );
    for (const [page, who] of [
      [ada, 'Ada'],
      [grace, 'Grace'],
    ]) {
      await expectHidden(page.getByText(/^Ends .*at /), `the end of the room for ${who}`);
    }
    await send(ada, 'Kept for good');
    await expectMessage(grace, 'Kept for good', 'Grace');

    await stopServer(server);
    server = await startServer({ port: server.port, env });
    await grace.reload();
    await expectMessage(grace, 'Notes from the shore', 'Grace after the restart');
    await expectMessage(grace, 'Kept for good', 'Grace after the restart');
    await send(grace, 'Still here');
    await expectMessage(ada, 'Still here', 'Ada after the restart');
    await desktop.close();
    await phone.close();
  } finally {
    await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  }
}

export const journeys = [
  { name: 'creating a room: a name, a life, then straight in', run: createNamedRoom },
  { name: 'a minute before the end everyone is warned; the owner extends', run: warnedAndExtended },
  { name: 'the owner keeps a room in use; it outlives a restart', run: keptWhileInUse },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { desktop: world.ada, phone: world.grace };
}
