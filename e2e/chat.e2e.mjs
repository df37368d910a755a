/**
 * Chat between two people, one on a desktop (light theme) and one on a phone (dark theme): create
 * a room, join it by code, talk both ways, see presence and typing, survive a reload and a
 * dropped connection, and leave. The journeys run in order and share the room of the first.
 */
import { join } from 'node:path';
import {
  button,
  check,
  expectAccessible,
  eventually,
  EXPECT_MS,
  expectHidden,
  expectMessage,
  expectPresence,
  expectVisible,
  membersOf,
  messagesOf,
  send,
  setTabHidden,
  showMembers,
  textbox,
  newDesktop,
  newPhone,
  watch,
} from './lib.mjs';

const MARKUP = '<script>alert(1)</script><b>bold</b>';

async function chatBetweenDesktopAndPhone({ browser, baseUrl, artifacts, world, problems }) {
  const desktop = await newDesktop(browser, baseUrl);
  const phone = await newPhone(browser, baseUrl);
  for (const context of [desktop, phone]) context.setDefaultTimeout(EXPECT_MS);
  const ada = await desktop.newPage();
  const grace = await phone.newPage();
  watch(ada, 'desktop', problems);
  watch(grace, 'phone', problems);
  Object.assign(world, { desktop, phone, ada, grace });

  // Ada creates a room and joins it.
  const home = await ada.goto('/');
  check(home?.ok(), `GET / answered ${home?.status()} instead of the web client`);
  await expectVisible(ada.getByRole('heading', { name: 'Roomkit', exact: true }), 'the heading');
  await button(ada, 'Create room').click();
  await ada.waitForURL(/\/r\/[A-Za-z0-9_-]{22,64}$/);
  const roomId = new URL(ada.url()).pathname.split('/').pop();
  await textbox(ada, 'Display name').fill('Ada');
  await button(ada, 'Join').click();
  await expectVisible(messagesOf(ada), 'region "Messages" for Ada');
  const codeElement = ada.getByTestId('join-code');
  await expectVisible(codeElement, 'the join code in the room header');
  const code = (await codeElement.innerText()).trim();
  check(/^[34679ACDEFGHJKMNPQRTWXY]{6}$/.test(code), `the join code looks wrong: "${code}"`);
  Object.assign(world, { roomId, code });

  // Sharing: the link to copy, and its QR code.
  await desktop.grantPermissions(['clipboard-read', 'clipboard-write']);
  await button(ada, 'Copy link').click();
  await expectVisible(ada.getByRole('status').filter({ hasText: 'Link copied' }), '"Link copied"');
  const copied = await ada.evaluate(() => navigator.clipboard.readText());
  check(copied === `${baseUrl}/r/${roomId}`, `"Copy link" copied ${JSON.stringify(copied)}`);
  await button(ada, 'Show QR code').click();
  await expectVisible(ada.getByRole('img', { name: 'QR code of the room link' }), 'the QR code');
  await ada.screenshot({ path: join(artifacts, 'desktop-qr.png') });
  await button(ada, 'Hide QR code').click();

  // Grace joins from her phone with the code, typed the way people do: lower case with a dash.
  await grace.goto('/');
  await expectVisible(button(grace, 'Create room'), 'the home page on the phone');
  await grace.screenshot({ path: join(artifacts, 'phone-home.png') });
  await expectAccessible(grace, 'the home page on a phone (dark)');
  await textbox(grace, 'Join code').fill(`${code.slice(0, 3)}-${code.slice(3)}`.toLowerCase());
  await button(grace, 'Join').click();
  await textbox(grace, 'Display name').fill('Grace');
  await button(grace, 'Join').click();
  await grace.waitForURL(`**/r/${roomId}`);
  await expectVisible(messagesOf(grace), 'region "Messages" for Grace');

  // Both ways; Grace sends with Enter, and Ada sees her typing first.
  await send(ada, 'Hello from Ada');
  await expectMessage(grace, 'Hello from Ada', 'Grace');
  await textbox(grace, 'Message').fill('Hi Ada, Grace here');
  await expectVisible(ada.getByText('Grace is typing…', { exact: true }), '"Grace is typing…"');
  await textbox(grace, 'Message').press('Enter');
  await expectMessage(ada, 'Hi Ada, Grace here', 'Ada');
  await expectMessage(grace, 'Hi Ada, Grace here', 'Grace (her own message)');
  await expectHidden(ada.getByText('Grace is typing…', { exact: true }), '"Grace is typing…"');

  // Markup in a message is text.
  await send(ada, MARKUP);
  await expectMessage(grace, MARKUP, 'Grace');
  check((await messagesOf(grace).locator('b').count()) === 0, 'a message body rendered a <b>');
  check(
    (await messagesOf(grace).locator('script').count()) === 0,
    'a message body rendered a <script>',
  );

  // Line breaks survive.
  await send(ada, 'line one\nline two');
  await eventually('Grace to see a two-line message with its line break', async () => {
    const bodies = await messagesOf(grace).locator('.body').allInnerTexts();
    return bodies.includes('line one\nline two');
  });

  // Presence.
  await expectPresence(ada, 'Grace', 'online', 'Ada');
  await expectPresence(grace, 'Ada', 'online', 'Grace');
  await grace.screenshot({ path: join(artifacts, 'phone-members.png') });
  // On the phone the members are a drawer with its own title and a button that closes it.
  await expectAccessible(grace, 'the members drawer on a phone (dark)');
  await membersOf(grace).getByRole('button', { name: 'Close', exact: true }).click();
  await expectHidden(membersOf(grace), 'region "Members" after "Close"');

  // A reload puts Grace back in the room under her name, without asking.
  await grace.reload();
  await expectVisible(messagesOf(grace), 'region "Messages" after Grace reloads');
  check(
    (await textbox(grace, 'Display name').count()) === 0,
    'Grace was asked for her name again after a reload',
  );
  await expectMessage(grace, 'Hello from Ada', 'Grace after a reload');
  await send(grace, 'Back after a reload');
  await eventually('Ada to see "Back after a reload" from Grace', async () => {
    const item = messagesOf(ada).getByRole('listitem').filter({ hasText: 'Back after a reload' });
    return (await item.count()) === 1 && (await item.innerText()).includes('Grace');
  });

  await ada.screenshot({ path: join(artifacts, 'desktop.png') });
  await grace.screenshot({ path: join(artifacts, 'phone.png') });
  await expectAccessible(ada, 'a room on a desktop (light)');
  await expectAccessible(grace, 'a room on a phone (dark)');
}

async function reconnectAndCatchUp({ world }) {
  const { ada, grace, phone } = world;
  try {
    await phone.setOffline(true);
    await expectVisible(
      grace.getByRole('status').filter({ hasText: 'Reconnecting…' }),
      'a "Reconnecting…" banner on the phone when it goes offline',
    );
    await send(ada, 'Sent while Grace was offline');
    await expectMessage(ada, 'Sent while Grace was offline', 'Ada');
    await phone.setOffline(false);
    await expectHidden(grace.getByText('Reconnecting…', { exact: true }), '"Reconnecting…"');
    await expectMessage(grace, 'Sent while Grace was offline', 'Grace after reconnecting');
  } finally {
    await phone.setOffline(false);
  }
}

async function linksAndUnreadCount({ world }) {
  const { ada, grace } = world;
  await send(ada, 'Notes at https://example.com/docs?page=2 and in main.py');
  const link = messagesOf(grace).getByRole('link', { name: 'https://example.com/docs?page=2' });
  await expectVisible(link, 'the address in Ada’s message as a link for Grace');
  check(
    (await link.getAttribute('href')) === 'https://example.com/docs?page=2',
    `the link goes to ${await link.getAttribute('href')}`,
  );
  check(
    (await link.getAttribute('rel')) === 'noopener noreferrer nofollow',
    `the link's rel is ${await link.getAttribute('rel')}`,
  );
  check(
    (await messagesOf(grace)
      .getByRole('link', { name: /main\.py/ })
      .count()) === 0,
    'a file name was made a link',
  );

  // Grace's tab goes to the background: Ada's next two messages count in its title.
  await setTabHidden(grace, true);
  await send(ada, 'Are you there?');
  await send(ada, 'Grace?');
  await eventually('Grace’s title to count two unread messages', async () =>
    (await grace.title()).startsWith('(2) '),
  );
  await setTabHidden(grace, false);
  await eventually(
    'Grace’s title to drop the count once the tab is shown',
    async () => !(await grace.title()).startsWith('('),
  );
}

async function unknownJoinCode({ browser, baseUrl, world, problems }) {
  const context = await browser.newContext({ baseURL: baseUrl });
  try {
    const page = await context.newPage();
    watch(page, 'stranger', problems);
    const wrong = world.code === 'ACDEFG' ? 'ACDEFH' : 'ACDEFG'; // valid alphabet, no such room
    await page.goto('/');
    // Checked as typed: refused before any name is asked for.
    await textbox(page, 'Join code').fill(wrong);
    await expectVisible(page.getByText('No room has that code.', { exact: true }), 'the error');
    await button(page, 'Join').click();
    await expectVisible(page.getByText('No room has that code.', { exact: true }), 'the error');
    check((await textbox(page, 'Display name').count()) === 0, 'a name was asked for anyway');
    // A character no code uses is refused at once, with the ones codes use.
    await textbox(page, 'Join code').fill('AB');
    await expectVisible(page.getByText(/Join codes use only the digits 3 4 6 7 9/), 'the alphabet');
    // A link to a room that does not exist says so before asking a name.
    await page.goto(`/r/${'x'.repeat(43)}`);
    await expectVisible(page.getByRole('heading', { name: 'This room no longer exists' }), 'gone');
    check((await textbox(page, 'Display name').count()) === 0, 'a name was asked for a dead link');
  } finally {
    await context.close();
  }
}

async function leaveTheRoom({ world }) {
  const { ada, grace, roomId } = world;
  await button(ada, 'Leave').click();
  await button(ada, 'Leave room').click();
  await ada.waitForURL((url) => url.pathname === '/');
  await expectVisible(button(ada, 'Create room'), 'the home page after leaving');
  await ada.goto(`/r/${roomId}`);
  await expectVisible(textbox(ada, 'Display name'), 'the name prompt when Ada comes back');
  await showMembers(grace);
  await expectHidden(
    membersOf(grace)
      .getByRole('listitem')
      .filter({ has: grace.getByText('Ada', { exact: true }) }),
    "Ada in Grace's members after she left",
  );
}

export const journeys = [
  { name: 'two people chat between a desktop and a phone', run: chatBetweenDesktopAndPhone },
  { name: 'a dropped connection shows "Reconnecting…" and catches up', run: reconnectAndCatchUp },
  { name: 'addresses are safe links and a hidden tab counts unread', run: linksAndUnreadCount },
  {
    name: 'an unknown join code or room link is refused before a name is asked',
    run: unknownJoinCode,
  },
  { name: 'leaving drops the session', run: leaveTheRoom },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { desktop: world.ada, phone: world.grace };
}
