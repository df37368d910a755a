/**
 * An operator at /admin: signs in with the admin token (a wrong one is refused), sees the room a
 * member is in, opens it and its members, starts a delete with a countdown that the member sees
 * and cancels it, which takes the countdown away again, and then deletes it at once, which ends
 * the room on the member's page. A kicked member is told so, and the ban keeps them out under
 * another name. Admin accounts (`roomkit admin grant`) sign in without the token: an operator
 * acts, a viewer only reads, an account without a role is told so. The page passes axe in light
 * and dark, and fits a phone.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  button,
  check,
  eventually,
  EXPECT_MS,
  expectAccessible,
  expectHidden,
  expectVisible,
  messagesOf,
  newDesktop,
  newPhone,
  setTabHidden,
  textbox,
  watch,
} from './lib.mjs';
import { serverEntry, startServer, stopServer } from './server.mjs';

const ADMIN_TOKEN = 'e2e-admin-token-of-some-length';
const ROOM = 'Harbour watch';

const roomsTable = (page) => page.getByRole('table', { name: 'Rooms', exact: true });
const roomRow = (page) =>
  roomsTable(page)
    .getByRole('row')
    .filter({ has: page.getByRole('button', { name: ROOM, exact: true }) });
const closingBanner = (page) => page.getByRole('alert').filter({ hasText: 'This room closes in' });

async function signIn(page, token) {
  await textbox(page, 'Admin token').fill(token);
  await button(page, 'Sign in').click();
}

async function operatorSeesTheRoom(context) {
  // A server of this file's own: the admin API is on only with ADMIN_TOKEN. The last journey
  // stops it; if this first one fails, no other runs, so it stops it itself.
  const server = await startServer({ env: { ADMIN_TOKEN } });
  context.world.server = server;
  try {
    await signInAndFindTheRoom(context, server);
  } catch (error) {
    await stopServer(server);
    throw error;
  }
}

async function signInAndFindTheRoom({ browser, world, problems }, server) {
  const created = await fetch(`${server.baseUrl}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: ROOM, ttlSeconds: 3600 }),
  });
  check(created.status === 201, `creating a room answered ${created.status}`);
  const { room } = await created.json();

  const phone = await newPhone(browser, server.baseUrl);
  phone.setDefaultTimeout(EXPECT_MS);
  const grace = await phone.newPage();
  watch(grace, 'member', problems);
  await grace.goto(`/r/${room.id}`);
  await textbox(grace, 'Display name').fill('Grace');
  await button(grace, 'Join').click();
  await expectVisible(messagesOf(grace), 'region "Messages" for Grace');

  const desktop = await newDesktop(browser, server.baseUrl);
  desktop.setDefaultTimeout(EXPECT_MS);
  const admin = await desktop.newPage();
  watch(admin, 'admin', problems);
  Object.assign(world, { grace, admin, desktop, phone });

  await admin.goto('/admin');
  await signIn(admin, 'not-the-admin-token-at-all');
  await expectVisible(
    admin.getByRole('alert').filter({ hasText: 'That admin token is wrong.' }),
    'a wrong token refused',
  );
  await signIn(admin, ADMIN_TOKEN);
  await expectVisible(roomRow(admin), `the row of "${ROOM}" in table "Rooms"`);
  // Grace is online in it: 1 of 1.
  await expectVisible(roomRow(admin).getByText('1 / 1', { exact: true }), 'one member online');

  // The search keeps what matches by name or code, and says when nothing does.
  await textbox(admin, 'Search rooms').fill('harbour');
  await expectVisible(roomRow(admin), 'the room found by its name');
  await textbox(admin, 'Search rooms').fill(room.joinCode.toLowerCase());
  await expectVisible(roomRow(admin), 'the room found by its code');
  await textbox(admin, 'Search rooms').fill('no such room');
  await expectHidden(roomRow(admin), 'a room the search does not match');
  await textbox(admin, 'Search rooms').fill('');

  // Sorting by name marks the column.
  await roomsTable(admin).getByRole('button', { name: 'Name', exact: true }).click();
  check(
    (await roomsTable(admin)
      .getByRole('columnheader', { name: /^Name/ })
      .getAttribute('aria-sort')) === 'ascending',
    'the "Name" column does not say it sorts ascending',
  );

  // Opening the room shows its members; the kick is asked about first, and not done.
  await button(admin, ROOM).click();
  const members = admin.getByRole('region', { name: `Members of ${ROOM}`, exact: true });
  await expectVisible(members.getByText('Grace', { exact: true }), 'Grace among the members');
  await members.getByRole('button', { name: 'Kick', exact: true }).click();
  const kick = admin.getByRole('dialog', { name: 'Kick Grace?', exact: true });
  await expectVisible(kick, 'the kick confirmation');
  check(
    await kick.getByRole('radio', { name: '10 minutes', exact: true }).isChecked(),
    'the kick does not default to a 10-minute ban',
  );
  await expectAccessible(admin, 'the admin page with the kick dialog (light)');
  await kick.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expectHidden(kick, 'the kick confirmation after "Cancel"');
  const kickHasFocus = await members
    .getByRole('button', { name: 'Kick', exact: true })
    .evaluate((element) => element === element.ownerDocument.activeElement);
  check(kickHasFocus, 'the focus did not go back to "Kick" when its confirmation closed');
  await expectVisible(messagesOf(grace), 'Grace still in the room');

  await expectAccessible(admin, 'the admin page (light)');
}

async function deleteCancelled({ world, artifacts }) {
  const { admin, grace } = world;
  // Escape changes nothing.
  await roomRow(admin).getByRole('button', { name: 'Delete', exact: true }).click();
  await admin.keyboard.press('Escape');
  await expectHidden(admin.getByRole('dialog'), 'the delete confirmation after Escape');
  check(!(await closingBanner(grace).isVisible()), 'Escape started a delete');

  await roomRow(admin).getByRole('button', { name: 'Delete', exact: true }).click();
  const confirm = admin.getByRole('dialog', { name: `Delete ${ROOM}?`, exact: true });
  await expectVisible(confirm, 'the delete confirmation');
  check(
    await confirm.getByRole('radio', { name: '30 seconds', exact: true }).isChecked(),
    'the delete does not default to a 30-second countdown',
  );
  await confirm.getByRole('button', { name: 'Delete room', exact: true }).click();
  await expectHidden(confirm, 'the delete confirmation once confirmed');

  await expectVisible(roomRow(admin).getByText(/^closing in \d+ s$/), 'the countdown in the row');
  await expectVisible(closingBanner(grace), 'the countdown on the member’s page');
  await admin.screenshot({ path: join(artifacts, 'admin-desktop.png'), fullPage: true });

  await roomRow(admin).getByRole('button', { name: 'Cancel delete', exact: true }).click();
  await expectVisible(
    roomRow(admin).getByRole('button', { name: 'Delete', exact: true }),
    '"Delete" again once cancelled',
  );
  await expectHidden(closingBanner(grace), 'the member’s countdown once the delete is cancelled');
  // The countdown does not come back: the server stopped it.
  await admin.waitForTimeout(2_000);
  check(!(await closingBanner(grace).isVisible()), 'the member’s countdown came back');
  await expectVisible(messagesOf(grace), 'Grace still in the room');

  const audit = admin.getByRole('table', { name: 'Audit log', exact: true });
  for (const action of ['room.delete', 'room.cancel_close']) {
    await expectVisible(audit.getByText(action, { exact: true }), `"${action}" in the audit log`);
  }
}

async function phoneInTheDark({ browser, world, problems, artifacts }) {
  const { server } = world;
  const phone = await newPhone(browser, server.baseUrl);
  phone.setDefaultTimeout(EXPECT_MS);
  const page = await phone.newPage();
  watch(page, 'admin phone', problems);
  world.adminPhone = page;
  await page.goto('/admin');
  await signIn(page, ADMIN_TOKEN);
  await expectVisible(roomRow(page), `the row of "${ROOM}" on a phone`);
  await expectVisible(page.getByRole('meter', { name: 'Memory' }), 'the memory gauge');
  const fits = await page.evaluate(() => {
    const { documentElement } = globalThis.document;
    return documentElement.scrollWidth <= documentElement.clientWidth;
  });
  check(fits, 'the admin page scrolls sideways on a 390 px phone');
  await expectAccessible(page, 'the admin page on a phone (dark)');
  await page.screenshot({ path: join(artifacts, 'admin-phone.png'), fullPage: true });

  // The token is the tab's only: in sessionStorage, never in localStorage.
  const stored = await page.evaluate(() => {
    const { localStorage, sessionStorage } = globalThis;
    const everywhere = (storage) =>
      Array.from({ length: storage.length }, (_, i) => storage.getItem(storage.key(i)));
    return { local: everywhere(localStorage), session: everywhere(sessionStorage) };
  });
  check(!stored.local.includes(ADMIN_TOKEN), 'the admin token was kept in localStorage');
  check(stored.session.includes(ADMIN_TOKEN), 'the admin token was not kept for the tab');

  // A hidden tab asks the server for nothing; back in view, it asks again.
  const asked = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/admin/')) asked.push(request.url());
  });
  await setTabHidden(page, true);
  await page.waitForTimeout(500); // a request already under way may still finish
  asked.length = 0;
  await page.waitForTimeout(3_000);
  check(asked.length === 0, `a hidden tab still asked for ${asked.join(', ')}`);
  await setTabHidden(page, false);
  await eventually('the stats asked for again once the tab is back', () =>
    asked.some((url) => url.endsWith('/api/admin/stats')),
  );

  // Signing out forgets the token: a reload asks for it again.
  await button(page, 'Sign out').click();
  await expectVisible(textbox(page, 'Admin token'), 'the sign-in after "Sign out"');
  await page.reload();
  await expectVisible(textbox(page, 'Admin token'), 'the sign-in after a reload');
  await phone.close();
}

async function kickedStaysOut({ browser, world, problems }) {
  const { admin, server } = world;
  const roomId = new URL(world.grace.url()).pathname.split('/').at(-1);
  const laptop = await newDesktop(browser, server.baseUrl);
  laptop.setDefaultTimeout(EXPECT_MS);
  const linus = await laptop.newPage();
  watch(linus, 'kicked member', problems);
  world.linus = linus;
  await linus.goto(`/r/${roomId}`);
  await textbox(linus, 'Display name').fill('Linus');
  await button(linus, 'Join').click();
  await expectVisible(messagesOf(linus), 'region "Messages" for Linus');

  // The members list is read when the room is opened: open it again to see Linus.
  await button(admin, ROOM).click();
  const members = admin.getByRole('region', { name: `Members of ${ROOM}`, exact: true });
  await eventually('Linus among the members', async () => {
    if ((await members.getByText('Linus', { exact: true }).count()) > 0) return true;
    await button(admin, ROOM).click();
    return false;
  });
  await members
    .getByRole('listitem')
    .filter({ hasText: 'Linus' })
    .getByRole('button', { name: 'Kick', exact: true })
    .click();
  const kick = admin.getByRole('dialog', { name: 'Kick Linus?', exact: true });
  await kick.getByRole('button', { name: 'Kick member', exact: true }).click();
  await expectVisible(
    linus.getByRole('heading', { name: 'You were removed from this room', exact: true }),
    'Linus told he was removed',
  );
  check(
    (await button(linus, 'Join again').count()) === 0,
    'a removed member was offered "Join again"',
  );
  await expectVisible(messagesOf(world.grace), 'Grace still in the room');

  // Back by the join code under another name: refused while the ban lasts.
  await linus.goto('/');
  const listed = await fetch(`${server.baseUrl}/api/admin/rooms`, {
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
  }).then((response) => response.json());
  const code = listed.rooms.find((room) => room.id === roomId)?.joinCode ?? '';
  check(code.length === 6, `the room's join code was not found (${code})`);
  await textbox(linus, 'Join code').fill(code);
  await button(linus, 'Join').click();
  await textbox(linus, 'Display name').fill('Not Linus');
  await button(linus, 'Join').click();
  await expectVisible(
    linus.getByText('You were removed from this room; try again later.'),
    'the refusal of a removed member coming back',
  );
  check(!linus.url().includes(roomId), 'the removed member got back into the room');
  await laptop.close();
}

async function deleteAtOnce({ world }) {
  const { admin, grace, server, desktop, phone } = world;
  try {
    await roomRow(admin).getByRole('button', { name: 'Delete', exact: true }).click();
    const confirm = admin.getByRole('dialog', { name: `Delete ${ROOM}?`, exact: true });
    await confirm.getByRole('radio', { name: /^None/ }).check();
    await confirm.getByRole('button', { name: 'Delete room', exact: true }).click();
    await expectVisible(
      grace.getByRole('heading', { name: 'This room has ended', exact: true }),
      'the member told the room has ended',
    );
    await expectVisible(grace.getByText('It was closed by an administrator.'), 'why it ended');
    await eventually(
      'the room gone from table "Rooms"',
      async () => (await roomRow(admin).count()) === 0,
    );
    await desktop.close();
    await phone.close();
  } finally {
    await stopServer(server);
  }
}

/** Registers an account over HTTP (the web sign-up is the account journeys' subject). */
async function register(baseUrl, username) {
  const response = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: ACCOUNT_PASSWORD }),
  });
  check(response.status === 201, `registering ${username} answered ${response.status}`);
}

const ACCOUNT_PASSWORD = 'lighthouse keeper 1852';

async function adminAccounts({ browser, problems, world, artifacts }) {
  // Admin roles live in the database, given by the operator's `roomkit admin grant`.
  const dir = await mkdtemp(join(tmpdir(), 'roomkit-e2e-admin-'));
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'roomkit.db')}`,
    SESSION_SECRET: 'e2e-admin-accounts-secret-of-32-chars',
  };
  const server = await startServer({ env });
  try {
    for (const username of ['Ada', 'Vera', 'Linus']) await register(server.baseUrl, username);
    const grant = (...args) =>
      promisify(execFile)(process.execPath, [serverEntry, 'admin', 'grant', ...args], {
        env: { ...process.env, ...env },
      });
    await grant('Ada');
    await grant('Vera', '--role', 'viewer');
    const created = await fetch(`${server.baseUrl}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: ROOM, ttlSeconds: 3600 }),
    });
    check(created.status === 201, `creating a room answered ${created.status}`);

    const desktop = await newDesktop(browser, server.baseUrl);
    desktop.setDefaultTimeout(EXPECT_MS);
    const page = await desktop.newPage();
    watch(page, 'admin account', problems);
    world.accountAdmin = page;
    const signInAs = async (username) => {
      await page.goto('/admin');
      await page.getByRole('link', { name: 'sign in with your account', exact: true }).click();
      await expectVisible(page.getByRole('heading', { name: 'Sign in' }), 'the account sign-in');
      await textbox(page, 'Username').fill(username);
      await textbox(page, 'Password').fill(ACCOUNT_PASSWORD);
      await button(page, 'Sign in').click();
      await expectVisible(roomRow(page), `"${ROOM}" on the admin page as ${username}`);
      check(new URL(page.url()).pathname === '/admin', `signed in, the page is ${page.url()}`);
    };

    // An operator account: no token asked for, and it acts.
    await signInAs('Ada');
    await expectVisible(page.getByText('Signed in as Ada', { exact: true }), 'who is signed in');
    await expectVisible(
      roomRow(page).getByRole('button', { name: 'Delete', exact: true }),
      '"Delete" for an operator',
    );
    const stored = await page.evaluate(() => globalThis.sessionStorage.length);
    check(stored === 0, 'an account sign-in kept something in sessionStorage');
    await expectAccessible(page, 'the admin page as an admin account (light)');
    // "Sign out" signs the account out: the home page says "Sign in" again.
    await button(page, 'Sign out').click();
    await expectVisible(textbox(page, 'Admin token'), 'the sign-in after "Sign out"');
    const me = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
    check(me === 401, `after "Sign out", /api/auth/me answered ${me}`);

    // A viewer reads everything and is offered nothing to do.
    await signInAs('Vera');
    await expectVisible(
      page.getByText('Signed in as Vera (viewer: read only)', { exact: true }),
      'that a viewer reads only',
    );
    await button(page, ROOM).click();
    await expectVisible(
      page.getByRole('region', { name: `Members of ${ROOM}`, exact: true }),
      'the room’s members for a viewer',
    );
    for (const name of ['Delete', 'Kick', 'Cancel delete']) {
      const count = await page.getByRole('button', { name, exact: true }).count();
      check(count === 0, `a viewer was offered "${name}"`);
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, 'the admin page as a viewer (dark)');
    await page.screenshot({ path: join(artifacts, 'admin-viewer.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    await button(page, 'Sign out').click();
    await expectVisible(textbox(page, 'Admin token'), 'the sign-in after the viewer signs out');

    // An account without a role is told why, and still offered the token.
    await signInAsPlainAccount(page, 'Linus');
    await expectVisible(
      page.getByText('signed in with an account that is not an administrator', { exact: false }),
      'that the account is not an administrator',
    );
    await expectVisible(textbox(page, 'Admin token'), 'the token sign-in for a plain account');
    await desktop.close();
  } finally {
    await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Signs in on `/account` (no admin role expected), then opens `/admin`. */
async function signInAsPlainAccount(page, username) {
  await page.goto('/account');
  await textbox(page, 'Username').fill(username);
  await textbox(page, 'Password').fill(ACCOUNT_PASSWORD);
  await button(page, 'Sign in').click();
  await expectVisible(page.getByRole('heading', { name: 'My rooms' }), '"My rooms"');
  await page.goto('/admin');
}

export const journeys = [
  { name: 'an operator signs in and finds the room a member is in', run: operatorSeesTheRoom },
  { name: 'a delete counts down for the member, and cancelling it stops it', run: deleteCancelled },
  {
    name: 'on a phone, in the dark, the page fits, pauses while hidden; "Sign out" forgets the token',
    run: phoneInTheDark,
  },
  { name: 'a kicked member is told, and cannot come back under another name', run: kickedStaysOut },
  { name: 'a delete at once ends the room for the member', run: deleteAtOnce },
  {
    name: 'admin accounts sign in without the token: an operator acts, a viewer only reads',
    run: adminAccounts,
  },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return {
    admin: world.admin,
    member: world.grace,
    'admin-phone': world.adminPhone,
    'admin-account': world.accountAdmin,
  };
}
