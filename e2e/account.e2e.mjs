/**
 * Accounts in the web client: a guest who signs up inside a room keeps their place — the same
 * member, the same history — and finds the room under "My rooms"; the same account signs in on
 * a phone, joins another room as itself, sees both devices under "Sessions" and signs the other
 * one out, which the desktop learns at its next request; then signs out.
 */
import { randomBytes } from 'node:crypto';
import {
  button,
  check,
  EXPECT_MS,
  expectAccessible,
  expectHidden,
  expectMessage,
  expectVisible,
  membersOf,
  messagesOf,
  newDesktop,
  newPhone,
  send,
  showMembers,
  textbox,
  watch,
} from './lib.mjs';

const PASSWORD = 'harbour lights at dusk';

async function createRoom(baseUrl, name) {
  const created = await fetch(`${baseUrl}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  check(created.status === 201, `creating a room answered ${created.status}`);
  return (await created.json()).room;
}

/** A guest joins `room` over HTTP and posts `body` there. */
async function guestPosts(baseUrl, room, body) {
  const post = async (path, payload, token) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(payload),
    });
    check(response.ok, `POST ${path} answered ${response.status}`);
    return response.json();
  };
  const { token } = await post('/api/rooms/join', {
    roomId: room.id,
    displayName: 'Harbourmaster',
  });
  await post(`/api/rooms/${room.id}/messages`, { body }, token);
}

/** What `GET path` answers in the page, with its cookies: status and body. */
function fetchInPage(page, path) {
  return page.evaluate(async (url) => {
    const response = await fetch(url, { headers: { Accept: 'application/json' } });
    return { status: response.status, body: await response.json().catch(() => null) };
  }, path);
}

async function signUpInRoom({ browser, baseUrl, world, problems }) {
  const username = `grace-${randomBytes(3).toString('hex')}`;
  const room = await createRoom(baseUrl, 'Harbour watch');
  const desktop = await newDesktop(browser, baseUrl);
  desktop.setDefaultTimeout(EXPECT_MS);
  const grace = await desktop.newPage();
  watch(grace, 'desktop', problems);
  Object.assign(world, { desktop, grace, username, room });

  await grace.goto(`/r/${room.id}`);
  await textbox(grace, 'Display name').fill('Grace');
  await button(grace, 'Join').click();
  await expectVisible(messagesOf(grace), 'region "Messages" for Grace');
  await send(grace, 'Before signing up');
  await expectMessage(grace, 'Before signing up', 'Grace');
  const before = await fetchInPage(grace, '/api/me/rooms');
  check(before.status === 401, `GET /api/me/rooms before signing up answered ${before.status}`);

  // From the room's header: the dialog, its rules checked before the server is asked.
  await button(grace, 'Account').click();
  const dialog = grace.getByRole('dialog', { name: 'Account' });
  await expectVisible(dialog, 'the dialog "Account"');
  await textbox(dialog, 'Username').fill(username);
  await textbox(dialog, 'Password').fill('short');
  await button(dialog, 'Sign up').click();
  await expectVisible(
    dialog.getByRole('alert').filter({ hasText: 'A password has at least 8 characters.' }),
    'the password rule',
  );
  await expectAccessible(grace, 'the room’s "Account" dialog (light)');
  // A rule only the server knows, in its own words.
  await textbox(dialog, 'Password').fill('password1');
  await button(dialog, 'Sign up').click();
  await expectVisible(
    dialog.getByRole('alert').filter({ hasText: 'This password is one of the most common' }),
    'the refusal of a common password',
  );
  await textbox(dialog, 'Password').fill(PASSWORD);
  await button(dialog, 'Sign up').click();
  await expectVisible(
    dialog
      .getByRole('status')
      .filter({ hasText: `Signed up as ${username}. This room and what you posted in it` }),
    'that the room is now the account’s',
  );
  await expectAccessible(grace, 'the room’s "Account" dialog, signed in (light)');
  await button(dialog, 'Close').click();
  await expectHidden(dialog, 'the dialog "Account"');

  // Still in the room, the history kept, under the guest's name; the room is the account's.
  check(grace.url().endsWith(`/r/${room.id}`), `the page left the room: ${grace.url()}`);
  await expectMessage(grace, 'Before signing up', 'Grace after signing up');
  await send(grace, 'After signing up');
  await expectMessage(grace, 'After signing up', 'Grace after signing up');
  const mine = await fetchInPage(grace, '/api/me/rooms');
  check(mine.status === 200, `GET /api/me/rooms answered ${mine.status}`);
  const listed = mine.body.rooms.find((entry) => entry.room.id === room.id);
  check(listed, `the room is not in GET /api/me/rooms: ${JSON.stringify(mine.body)}`);
  check(
    listed.member.displayName === 'Grace' && listed.owner,
    `the claimed member is ${JSON.stringify(listed)}`,
  );

  // "My rooms" says the same, with a link back into the room.
  await grace.goto('/account/rooms');
  await expectVisible(grace.getByRole('heading', { name: 'My rooms' }), 'the heading "My rooms"');
  const link = grace.getByRole('link', { name: 'Harbour watch', exact: true });
  await expectVisible(link, 'the room in "My rooms"');
  await expectVisible(grace.getByText('Owner', { exact: true }), 'the owner badge');
  await expectAccessible(grace, '"My rooms" (light)');
  await grace.emulateMedia({ colorScheme: 'dark' });
  await expectAccessible(grace, '"My rooms" (dark)');
  await grace.emulateMedia({ colorScheme: 'light' });
  await link.click();
  await expectMessage(grace, 'After signing up', 'Grace back in the room');
}

async function secondDevice({ browser, baseUrl, world, problems }) {
  const { username, grace } = world;
  const phone = await newPhone(browser, baseUrl);
  phone.setDefaultTimeout(EXPECT_MS);
  const mobile = await phone.newPage();
  watch(mobile, 'phone', problems);
  Object.assign(world, { phone, mobile });

  // The desktop leaves the room; a guest posts there meanwhile, which the phone will see counted.
  await grace.goto('/');
  await guestPosts(baseUrl, world.room, 'Boats are back in');

  // From the home page's header.
  await mobile.goto('/');
  await mobile.getByRole('link', { name: 'Sign in', exact: true }).click();
  await expectVisible(mobile.getByRole('heading', { name: 'Sign in' }), 'the sign-in page');
  await expectAccessible(mobile, 'the sign-in page (phone, dark)');
  await textbox(mobile, 'Username').fill(username);
  await textbox(mobile, 'Password').fill('not the password');
  await button(mobile, 'Sign in').click();
  await expectVisible(
    mobile.getByRole('alert').filter({ hasText: 'Wrong username or password.' }),
    'the refusal of a wrong password',
  );
  await textbox(mobile, 'Password').fill(PASSWORD);
  await button(mobile, 'Sign in').click();
  await expectVisible(
    mobile.getByRole('heading', { name: 'My rooms' }),
    '"My rooms" after sign-in',
  );
  await expectVisible(
    mobile.getByRole('link', { name: 'Harbour watch', exact: true }),
    'the claimed room on the phone',
  );
  await expectVisible(mobile.getByText('1 unread', { exact: true }), 'the room’s "1 unread"');
  await expectAccessible(mobile, '"My rooms" (phone, dark)');

  // Another room: joined as the account, no name asked for.
  const other = await createRoom(baseUrl, 'Lighthouse');
  await mobile.goto(`/r/${other.id}`);
  await button(mobile, `Join as ${username}`).click();
  await expectVisible(messagesOf(mobile), 'region "Messages" after "Join as"');
  await showMembers(mobile);
  await expectVisible(
    membersOf(mobile).getByText(username, { exact: true }),
    'the account’s name in region "Members"',
  );

  // Both devices are listed; this one is marked; the other is signed out from here.
  await mobile.goto('/account/sessions');
  await expectVisible(mobile.getByRole('heading', { name: 'Sessions' }), 'the heading "Sessions"');
  const sessions = mobile.locator('.session');
  await expectVisible(mobile.getByText('This device', { exact: true }), '"This device"');
  check((await sessions.count()) === 2, `"Sessions" lists ${await sessions.count()}, not 2`);
  await expectAccessible(mobile, '"Sessions" (phone, dark)');
  await button(mobile, 'Sign out other devices').click();
  await expectVisible(
    mobile.getByRole('status').filter({ hasText: 'Signed out 1 other device.' }),
    'that the other device is signed out',
  );
  await expectHidden(button(mobile, 'Sign out other devices'), '"Sign out other devices"');
  check((await sessions.count()) === 1, `"Sessions" still lists ${await sessions.count()}`);

  // The desktop's session is gone at its next request, and its home page says "Sign in".
  const me = await fetchInPage(grace, '/api/auth/me');
  check(me.status === 401, `the signed-out desktop's /api/auth/me answered ${me.status}`);
  await grace.goto('/');
  await expectVisible(
    grace.getByRole('link', { name: 'Sign in', exact: true }),
    '"Sign in" on the signed-out desktop',
  );
}

async function sessionsOnDesktopAndSignOut({ world }) {
  const { grace, mobile, username } = world;
  // The desktop signs in again and looks at "Sessions" in both themes.
  await grace.goto('/account/sessions');
  await textbox(grace, 'Username').fill(username);
  await textbox(grace, 'Password').fill(PASSWORD);
  await button(grace, 'Sign in').click();
  await expectVisible(
    grace.getByText('This device', { exact: true }),
    '"This device" on the desktop',
  );
  await expectAccessible(grace, '"Sessions" (light)');
  await grace.emulateMedia({ colorScheme: 'dark' });
  await expectAccessible(grace, '"Sessions" (dark)');

  // Signing out from the phone's home page header.
  await mobile.goto('/');
  const menu = button(mobile, username);
  await menu.click();
  check((await menu.getAttribute('aria-expanded')) === 'true', 'the account menu did not open');
  await expectVisible(mobile.getByRole('link', { name: 'My rooms', exact: true }), '"My rooms"');
  await expectVisible(mobile.getByRole('link', { name: 'Sessions', exact: true }), '"Sessions"');
  await expectAccessible(mobile, 'the home page with the account menu (phone, dark)');
  await button(mobile, 'Sign out').click();
  await expectVisible(
    mobile.getByRole('link', { name: 'Sign in', exact: true }),
    '"Sign in" after signing out',
  );
  const me = await fetchInPage(mobile, '/api/auth/me');
  check(me.status === 401, `after "Sign out", /api/auth/me answered ${me.status}`);
  await world.desktop.close();
  await world.phone.close();
}

export const journeys = [
  { name: 'a guest signs up in the room and keeps their place and history', run: signUpInRoom },
  {
    name: 'a second device signs in, joins as the account, signs the first out',
    run: secondDevice,
  },
  { name: 'sessions on a desktop in both themes; signing out', run: sessionsOnDesktopAndSignOut },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { desktop: world.grace, phone: world.mobile };
}
