/**
 * The room's header, on a desktop (light) and a phone (dark): "Leave" asks first and the home
 * page then says "You left <room>."; the phone's header is one row with a "Room menu" holding
 * the join code (shown once), the code, the link, the QR code, the members and "Leave"; the
 * message box has the focus after joining on a desktop; and "Notify me of new messages" tells
 * of others' messages while the tab is hidden — a notification where allowed, else a chime.
 */
import { join } from 'node:path';
import {
  button,
  check,
  eventually,
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
  setTabHidden,
  showChat,
  textbox,
  watch,
} from './lib.mjs';

const ROOM = 'Design review';

/** Records notifications and chimes instead of showing and playing them. */
function recordAlerts() {
  const { window } = globalThis;
  window.__notifications = [];
  window.__chimes = 0;
  const Real = window.Notification;
  if (Real) {
    function Recorded(title, options) {
      window.__notifications.push({ title, body: options?.body ?? '' });
      return { close() {}, onclick: null };
    }
    Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
    Recorded.requestPermission = (...args) => Real.requestPermission(...args);
    window.Notification = Recorded;
  }
  const { AudioContext } = window;
  if (AudioContext) {
    const create = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function createOscillator() {
      window.__chimes += 1;
      return create.call(this);
    };
  }
}

const focusedName = (page) =>
  page.evaluate(() => {
    const active = globalThis.document.activeElement;
    return active?.getAttribute('name') ?? active?.textContent?.trim() ?? '';
  });

const leaveDialog = (page) => page.getByRole('dialog', { name: `Leave ${ROOM}?`, exact: true });
const notifyToggle = (page) =>
  page.getByRole('checkbox', { name: 'Notify me of new messages', exact: true });

async function desktopLeaveAsksFirst({ browser, baseUrl, artifacts, world, problems }) {
  const desktop = await newDesktop(browser, baseUrl);
  desktop.setDefaultTimeout(EXPECT_MS);
  await desktop.grantPermissions(['notifications']);
  await desktop.addInitScript(recordAlerts);
  const ada = await desktop.newPage();
  watch(ada, 'desktop', problems);
  Object.assign(world, { desktop, ada });

  await ada.goto('/');
  await textbox(ada, 'Room name').fill(ROOM);
  await button(ada, 'Create room').click();
  await ada.waitForURL(/\/r\/[A-Za-z0-9_-]{22,64}$/);
  world.roomId = new URL(ada.url()).pathname.split('/').pop();
  world.code = (await ada.getByTestId('created-join-code').innerText()).trim();
  await textbox(ada, 'Display name').fill('Ada');
  await button(ada, 'Join').click();
  await expectVisible(messagesOf(ada), 'region "Messages" for Ada');

  // On a computer the cursor is in the message box at once, after joining and after a reload.
  await eventually(
    'the "Message" box to have the focus after joining',
    async () => (await focusedName(ada)) === 'message',
  );
  await ada.reload();
  await expectVisible(messagesOf(ada), 'region "Messages" after a reload');
  await eventually(
    'the "Message" box to have the focus on entering the room',
    async () => (await focusedName(ada)) === 'message',
  );
  await send(ada, 'Before anyone else');

  // "Leave" asks; "Stay" and Escape keep Ada in, with the focus back on "Leave".
  check(!(await notifyToggle(ada).isChecked()), '"Notify me of new messages" is on by default');
  await button(ada, 'Leave').click();
  await expectVisible(leaveDialog(ada), `the dialog "Leave ${ROOM}?"`);
  await expectVisible(
    leaveDialog(ada).getByText(/stop receiving its messages/),
    'what leaving means',
  );
  check((await focusedName(ada)) === 'Stay', `the focus is on "${await focusedName(ada)}"`);
  await ada.screenshot({ path: join(artifacts, 'desktop-leave-dialog.png') });
  await expectAccessible(ada, 'the leave dialog on a desktop (light)');
  await button(ada, 'Stay').click();
  await expectHidden(leaveDialog(ada), 'the leave dialog after "Stay"');
  check((await focusedName(ada)) === 'Leave', 'the focus did not go back to "Leave"');
  await button(ada, 'Leave').click();
  await expectVisible(leaveDialog(ada), 'the leave dialog again');
  await ada.keyboard.press('Escape');
  await expectHidden(leaveDialog(ada), 'the leave dialog after Escape');
  check((await focusedName(ada)) === 'Leave', 'the focus did not go back to "Leave" on Escape');
  await send(ada, 'Still here');
  await expectMessage(ada, 'Still here', 'Ada, who stayed');
}

async function phoneHeaderIsOneRowWithAMenu({ browser, baseUrl, artifacts, world, problems }) {
  const phone = await newPhone(browser, baseUrl);
  phone.setDefaultTimeout(EXPECT_MS);
  await phone.grantPermissions(['clipboard-read', 'clipboard-write']);
  await phone.addInitScript(recordAlerts);
  const grace = await phone.newPage();
  watch(grace, 'phone', problems);
  Object.assign(world, { phone, grace });

  await grace.goto(`/r/${world.roomId}`);
  await textbox(grace, 'Display name').fill('Grace');
  await button(grace, 'Join').click();
  await expectVisible(messagesOf(grace), 'region "Messages" for Grace');
  await expectMessage(grace, 'Still here', 'Grace');
  // Not on a phone: the on-screen keyboard would cover the conversation she just opened.
  check((await focusedName(grace)) !== 'message', 'the message box took the focus on a phone');

  // One row: the room's name and the menu button side by side, the header about a line high.
  const title = grace.getByRole('heading', { name: ROOM, exact: true });
  const menu = button(grace, 'Room menu');
  await expectVisible(menu, 'button "Room menu"');
  const [titleBox, menuBox, headerBox] = await Promise.all([
    title.boundingBox(),
    menu.boundingBox(),
    grace.locator('.room-header').boundingBox(),
  ]);
  check(
    titleBox && menuBox && headerBox,
    'the room name, the menu button or the header has no box',
  );
  const titleMiddle = titleBox.y + titleBox.height / 2;
  check(
    titleMiddle > menuBox.y && titleMiddle < menuBox.y + menuBox.height,
    `the room name (y ${titleBox.y}) and "Room menu" (y ${menuBox.y}) are not on one row`,
  );
  check(menuBox.x > titleBox.x, 'the menu button is not after the room name');
  check(headerBox.height < 64, `the phone header is ${headerBox.height} px high, not one row`);
  for (const name of ['Leave', 'Copy link', 'Show QR code']) {
    check(!(await button(grace, name).isVisible()), `"${name}" shows outside the menu`);
  }

  // The join code shows once: in the open menu (or the QR panel), never twice.
  const codeShown = async () => {
    const all = await grace.getByText(world.code, { exact: true }).all();
    let visible = 0;
    for (const element of all) if (await element.isVisible()) visible += 1;
    return visible;
  };
  check((await codeShown()) === 0, 'the join code shows in the closed phone header');
  await menu.click();
  check((await menu.getAttribute('aria-expanded')) === 'true', '"Room menu" is not expanded');
  for (const name of ['Code editor', 'Copy link', 'Show QR code', 'Leave']) {
    await expectVisible(button(grace, name), `"${name}" in the room menu`);
  }
  await expectVisible(grace.getByRole('button', { name: /^Members/ }), '"Members" in the menu');
  await expectVisible(notifyToggle(grace), '"Notify me of new messages" in the menu');
  check((await codeShown()) === 1, `the join code shows ${await codeShown()} times in the menu`);
  await grace.screenshot({ path: join(artifacts, 'phone-room-menu.png') });
  await expectAccessible(grace, 'the open room menu on a phone (dark)');

  // Escape closes it and gives the focus back; so does a tap elsewhere (without the focus).
  await grace.keyboard.press('Escape');
  await expectHidden(button(grace, 'Copy link'), 'the menu after Escape');
  check((await focusedName(grace)) === 'Room menu', 'Escape did not give focus to "Room menu"');
  await menu.click();
  await expectVisible(button(grace, 'Copy link'), 'the menu opened again');
  await messagesOf(grace).click({ position: { x: 20, y: 20 } });
  await expectHidden(button(grace, 'Copy link'), 'the menu after a tap outside it');

  // Each item works, and closes the menu.
  await menu.click();
  await button(grace, 'Copy link').click();
  await expectVisible(grace.getByRole('status').filter({ hasText: 'Link copied' }), 'copied');
  const copied = await grace.evaluate(() => globalThis.navigator.clipboard.readText());
  check(copied === `${baseUrl}/r/${world.roomId}`, `"Copy link" copied ${copied}`);
  check((await focusedName(grace)) === 'Room menu', 'the focus did not go back to the menu');

  await menu.click();
  await button(grace, 'Show QR code').click();
  await expectVisible(grace.getByRole('img', { name: 'QR code of the room link' }), 'the QR code');
  check((await codeShown()) === 1, `the join code shows ${await codeShown()} times with the QR`);
  await button(grace, 'Close').click();
  await expectHidden(grace.getByRole('img', { name: 'QR code of the room link' }), 'QR closed');

  await menu.click();
  await grace.getByRole('button', { name: /^Members/ }).click();
  await expectVisible(membersOf(grace), 'the members drawer from the menu');
  await membersOf(grace).getByRole('button', { name: 'Close', exact: true }).click();
  await expectHidden(membersOf(grace), 'the members drawer after "Close"');

  await menu.click();
  await button(grace, 'Code editor').click();
  await expectVisible(grace.getByRole('region', { name: 'Code', exact: true }), 'the code view');
  await showChat(grace);

  // "Leave" in the menu opens the same dialog; "Stay" gives the focus back to the menu button.
  await menu.click();
  await button(grace, 'Leave').click();
  await expectVisible(leaveDialog(grace), 'the leave dialog on the phone');
  await expectAccessible(grace, 'the leave dialog on a phone (dark)');
  await button(grace, 'Stay').click();
  await expectHidden(leaveDialog(grace), 'the leave dialog after "Stay" on the phone');
  check((await focusedName(grace)) === 'Room menu', '"Stay" did not give focus to the menu');
}

async function hiddenTabAlerts({ baseUrl, artifacts, world }) {
  const { ada, grace } = world;

  // Ada's browser may notify: turning alerts on asks, and the choice is remembered.
  await notifyToggle(ada).check();
  await ada.reload();
  await expectVisible(messagesOf(ada), 'region "Messages" after a reload');
  check(await notifyToggle(ada).isChecked(), 'alerts were not remembered across a reload');
  await ada.screenshot({ path: join(artifacts, 'desktop-header.png') });

  await setTabHidden(ada, true);
  await send(grace, 'Ping from Grace');
  // Her own message and a system line (someone joining) never notify.
  await send(ada, 'Typed by Ada herself');
  await expectMessage(ada, 'Typed by Ada herself', 'Ada');
  const joined = await fetch(`${baseUrl}/api/rooms/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ roomId: world.roomId, displayName: 'Lin' }),
  });
  check(joined.ok, `Lin's join answered ${joined.status}`);
  await expectVisible(messagesOf(ada).getByText(/Lin joined/), 'the line saying Lin joined');
  await send(grace, 'Second ping');
  await eventually('Ada to be notified of both of Grace’s messages', async () => {
    const shown = await ada.evaluate(() => globalThis.window.__notifications);
    return shown.length === 2;
  });
  const shown = await ada.evaluate(() => globalThis.window.__notifications);
  check(
    shown[0].title === `Grace in ${ROOM}` && shown[0].body === 'Ping from Grace',
    `the first notification was ${JSON.stringify(shown[0])}`,
  );
  check(shown[1].body === 'Second ping', `the second notification was ${JSON.stringify(shown[1])}`);
  await setTabHidden(ada, false);
  await send(grace, 'While Ada looks');
  await expectMessage(ada, 'While Ada looks', 'Ada');
  check(
    (await ada.evaluate(() => globalThis.window.__notifications.length)) === 2,
    'a message notified while the tab was shown',
  );

  // Grace's phone was not allowed to notify: she is told, and hears a chime instead.
  await button(grace, 'Room menu').click();
  await notifyToggle(grace).check();
  await expectVisible(
    grace.getByText(/Notifications are not allowed in this browser/),
    'the note that only a sound will play',
  );
  await grace.screenshot({ path: join(artifacts, 'phone-notify-sound-only.png') });
  await grace.keyboard.press('Escape');
  await setTabHidden(grace, true);
  await send(ada, 'Ping for the phone');
  await eventually(
    'a chime on Grace’s phone',
    async () => (await grace.evaluate(() => globalThis.window.__chimes)) > 0,
  );
  await setTabHidden(grace, false);
}

async function leavingSaysSoAtHome({ artifacts, world }) {
  const { ada, grace } = world;
  await button(grace, 'Room menu').click();
  await button(grace, 'Leave').click();
  await button(grace, 'Leave room').click();
  await grace.waitForURL((url) => url.pathname === '/');
  const notice = grace.getByRole('status').filter({ hasText: `You left ${ROOM}.` });
  await expectVisible(notice, `"You left ${ROOM}." on the phone's home page`);
  await grace.screenshot({ path: join(artifacts, 'phone-left-room.png') });
  await expectAccessible(grace, 'the home page after leaving, on a phone (dark)');
  await button(grace, 'Dismiss').click();
  await expectHidden(grace.getByText(`You left ${ROOM}.`), 'the notice after "Dismiss"');

  await button(ada, 'Leave').click();
  await button(ada, 'Leave room').click();
  await ada.waitForURL((url) => url.pathname === '/');
  await expectVisible(
    ada.getByText(`You left ${ROOM}.`, { exact: true }),
    'the notice on a desktop',
  );
  await expectAccessible(ada, 'the home page after leaving, on a desktop (light)');
  // Once: a reload does not say it again.
  await ada.reload();
  await expectVisible(button(ada, 'Create room'), 'the home page after a reload');
  check(
    (await ada.getByText(`You left ${ROOM}.`).count()) === 0,
    'the notice came back after a reload',
  );
  await world.desktop.close();
  await world.phone.close();
}

export const journeys = [
  { name: '"Leave" asks first; "Stay" and Escape keep you in', run: desktopLeaveAsksFirst },
  { name: 'the phone header is one row with a room menu', run: phoneHeaderIsOneRowWithAMenu },
  { name: 'a hidden tab is told of others’ messages when asked', run: hiddenTabAlerts },
  { name: 'after leaving, the home page says "You left"', run: leavingSaysSoAtHome },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { desktop: world.ada, phone: world.grace };
}
