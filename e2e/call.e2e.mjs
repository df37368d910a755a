/**
 * Calls between people in one room, with Chromium's fake camera and microphone: two connect and
 * hear and see each other, a third joins and one leaves while the other two carry on, a shared
 * screen reaches the others, a failed connection recovers through an ICE restart, and on a phone
 * the call's controls are in reach and the call follows as a small picture to the chat.
 *
 * What flows is read from the peer connections themselves (`inbound-rtp` bytes received), through
 * the handle the call exposes on `window` when `localStorage.roomkitDebug` is set.
 */
import { join } from 'node:path';
import {
  callContext,
  callOf,
  enter,
  expectMediaFrom,
  memberIdOf,
  readFlow,
  tilesOf,
} from './callLib.mjs';
import {
  button,
  check,
  eventually,
  expectAccessible,
  expectHidden,
  expectVisible,
  messagesOf,
} from './lib.mjs';
import { startServer, stopServer } from './server.mjs';

async function twoConnect({ browser, baseUrl, artifacts, world, problems }) {
  const desktop = await callContext(browser, baseUrl);
  const other = await callContext(browser, baseUrl);
  Object.assign(world, { desktop, other });
  const created = await fetch(`${baseUrl}/api/rooms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Call' }),
  });
  check(created.status === 201, `POST /api/rooms answered ${created.status}`);
  const { room } = await created.json();
  world.roomId = room.id;

  const [ada, bob] = await Promise.all([
    enter(desktop, room.id, 'Ada', 'ada', problems),
    enter(other, room.id, 'Bob', 'bob', problems),
  ]);
  Object.assign(world, { ada, bob });

  // No call yet: "Start call"; once Ada starts one, Bob is offered to join it.
  await button(ada, 'Start call').click();
  await expectVisible(callOf(ada), 'region "Call" for Ada');
  await expectVisible(button(ada, 'Leave call'), '"Leave call" for Ada');
  await expectVisible(bob.getByText('Call in progress'), 'the call banner for Bob');
  await expectHidden(button(bob, 'Start call'), '"Start call" while a call is on');
  await button(bob, 'Join call').click();
  await expectVisible(callOf(bob), 'region "Call" for Bob');
  await eventually('two tiles on each side', async () => {
    return (await tilesOf(ada).count()) === 2 && (await tilesOf(bob).count()) === 2;
  });

  world.adaId = await memberIdOf(ada);
  world.bobId = await memberIdOf(bob);
  await expectMediaFrom(ada, [world.bobId], 'Ada');
  await expectMediaFrom(bob, [world.adaId], 'Bob');

  // The toggles say their state; turning the microphone off shows on the other side.
  const microphone = button(ada, 'Microphone');
  check((await microphone.getAttribute('aria-pressed')) === 'true', 'the microphone is on');
  check((await button(ada, 'Camera').getAttribute('aria-pressed')) === 'true', 'the camera is on');
  await microphone.click();
  await eventually('the microphone toggle to say off', async () => {
    return (await microphone.getAttribute('aria-pressed')) === 'false';
  });
  const adaTileForBob = callOf(bob).locator(`[data-member="${world.adaId}"]`);
  await expectVisible(adaTileForBob.getByRole('img', { name: 'Microphone off' }), 'Ada muted');
  await microphone.click();
  await expectHidden(adaTileForBob.getByRole('img', { name: 'Microphone off' }), 'Ada unmuted');
  await ada.screenshot({ path: join(artifacts, 'call-two.png') });
  await expectAccessible(ada, 'a call between two');
}

async function deviceSwitched({ world }) {
  const { ada, bob } = world;
  const localMicrophone = () =>
    ada.evaluate(() => globalThis.roomkitCall.snapshot().local.audio?.getSettings().deviceId);
  const before = await localMicrophone();
  await ada.getByText('Devices', { exact: true }).click();
  const picker = ada.locator('label', { hasText: 'Microphone device' }).locator('select');
  await expectVisible(picker, 'the microphone picker');
  const choices = await picker
    .locator('option')
    .evaluateAll((options) => options.map((option) => option.value));
  const other = choices.find((value) => value !== '' && value !== before);
  check(other !== undefined, `only one microphone to choose from: ${choices.join(', ')}`);
  await picker.selectOption(other);
  await eventually('Ada to send from the other microphone', async () => {
    return (await localMicrophone()) === other;
  });
  // The new track replaced the old one on the connection: Bob still hears and sees Ada.
  await expectMediaFrom(bob, [world.adaId], 'Bob after Ada switched microphones');
  await ada.getByText('Devices', { exact: true }).click();
}

async function thirdJoinsOneLeaves({ browser, baseUrl, world, problems }) {
  const third = await callContext(browser, baseUrl);
  world.third = third;
  const cy = await enter(third, world.roomId, 'Cy', 'cy', problems);
  world.cy = cy;
  await button(cy, 'Join call').click();
  await expectVisible(callOf(cy), 'region "Call" for Cy');
  world.cyId = await memberIdOf(cy);
  await expectMediaFrom(cy, [world.adaId, world.bobId], 'Cy');
  await expectMediaFrom(world.ada, [world.bobId, world.cyId], 'Ada');

  // Bob leaves: the other two lose his tile and carry on between themselves.
  await button(world.bob, 'Leave call').click();
  await expectVisible(button(world.bob, 'Join call'), '"Join call" again for Bob');
  await eventually('two tiles left for Ada and Cy', async () => {
    return (await tilesOf(world.ada).count()) === 2 && (await tilesOf(cy).count()) === 2;
  });
  await expectMediaFrom(world.ada, [world.cyId], 'Ada after Bob left');
  await expectMediaFrom(cy, [world.adaId], 'Cy after Bob left');
}

async function screenShared({ world }) {
  const { ada, cy } = world;
  await button(ada, 'Share screen').click();
  await eventually('the share toggle to say on', async () => {
    return (await button(ada, 'Share screen').getAttribute('aria-pressed')) === 'true';
  });
  const screen = callOf(cy).getByLabel("Ada's screen", { exact: true });
  await expectVisible(screen, "Ada's screen for Cy");
  await eventually("Ada's screen to show moving pictures", async () => {
    const size = await screen.evaluate((video) => video.videoWidth * video.videoHeight);
    return size > 0;
  });
  // Two video streams now come from Ada: her camera and her screen.
  await eventually('two video streams from Ada', async () => {
    const flow = await readFlow(cy);
    return flow[world.adaId]?.videoStreams === 2;
  });
  await button(ada, 'Share screen').click();
  await expectHidden(screen, "Ada's screen after she stopped sharing");
}

/** The ufrag of the ICE session in use, as the remote description says. */
function remoteUfrag(page, memberId) {
  return page.evaluate((id) => {
    const sdp = globalThis.roomkitCall.connections()[id]?.remoteDescription?.sdp ?? '';
    return /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null;
  }, memberId);
}

async function iceRestartRecovers({ world }) {
  const { ada, cy, adaId, cyId } = world;
  const before = await remoteUfrag(cy, adaId);
  check(before !== null, 'no ICE ufrag in Cy’s connection to Ada');
  // What a `failed` connection sets off on Ada's side: the same handler, run now.
  await ada.evaluate((id) => globalThis.roomkitCall.failConnection(id), cyId);
  await eventually('a new ICE session between Ada and Cy', async () => {
    const after = await remoteUfrag(cy, adaId);
    return after !== null && after !== before;
  });
  await expectMediaFrom(cy, [adaId], 'Cy after the ICE restart');
  await expectMediaFrom(ada, [cyId], 'Ada after the ICE restart');
}

async function phoneLayout({ browser, baseUrl, artifacts, world, problems }) {
  const phone = await callContext(browser, baseUrl, true);
  world.phone = phone;
  const dee = await enter(phone, world.roomId, 'Dee', 'dee', problems);
  world.dee = dee;
  await button(dee, 'Join call').click();
  await expectVisible(callOf(dee), 'region "Call" on the phone');
  // Every control is on the screen, at least 44 px high, without scrolling.
  for (const name of ['Microphone', 'Camera', 'Leave call']) {
    const box = await button(dee, name).boundingBox();
    check(box !== null, `"${name}" is not laid out on the phone`);
    check(box.height >= 44, `"${name}" is ${box.height}px high on the phone`);
    check(box.y + box.height <= 844, `"${name}" is below the phone's screen (y=${box.y})`);
  }
  await dee.screenshot({ path: join(artifacts, 'call-phone.png') });
  await expectAccessible(dee, 'a call on a phone');

  // To the chat: the call follows as a small picture, and leads back.
  await dee.getByRole('tab', { name: 'Chat', exact: true }).click();
  await expectVisible(messagesOf(dee), 'the chat beside the call');
  await expectVisible(button(dee, 'Back to call'), 'the small picture of the call');
  await expectMediaFrom(dee, [world.adaId, world.cyId], 'Dee in the chat');
  await button(dee, 'Back to call').click();
  await expectHidden(button(dee, 'Back to call'), 'the small picture once back');
}

/**
 * On a server whose mesh holds two people with video (`CALLS_MESH_VIDEO_MAX=2`, no SFU), the
 * third is told the call is full, in the server's words: the same refusal as a fifth gets by
 * default, with a fraction of the pages coding video.
 */
async function fullCallRefused({ browser, world, problems }) {
  const server = await startServer({ env: { CALLS_MESH_VIDEO_MAX: '2' } });
  world.smallServer = server;
  try {
    const created = await fetch(`${server.baseUrl}/api/rooms`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Small call' }),
    });
    const { room } = await created.json();
    const [gil, hal, eve] = await Promise.all(
      ['Gil', 'Hal', 'Eve'].map(async (name) =>
        enter(
          await callContext(browser, server.baseUrl),
          room.id,
          name,
          name.toLowerCase(),
          problems,
        ),
      ),
    );
    world.eve = eve;
    await button(gil, 'Start call').click();
    await expectVisible(button(hal, 'Join call'), '"Join call" for Hal');
    await button(hal, 'Join call').click();
    await expectVisible(callOf(hal), 'region "Call" for Hal');
    await expectVisible(button(eve, 'Join call'), '"Join call" for Eve');
    await button(eve, 'Join call').click();
    const notice = eve.getByRole('alert');
    await expectVisible(notice, 'the notice of a full call');
    const words = await notice.textContent();
    check(
      words ===
        'This call is full: calls here hold up to 2 people with video or 8 with audio only. Try again when someone leaves.',
      `the notice says: ${words}`,
    );
    await expectVisible(button(eve, 'Join call'), '"Join call" still offered to Eve');
  } finally {
    for (const context of browser.contexts()) {
      if (context.pages().some((page) => page.url().startsWith(server.baseUrl)))
        await context.close();
    }
    await stopServer(server);
  }
}

async function everyoneLeaves({ world }) {
  const { ada, bob, cy, dee } = world;
  for (const page of [ada, cy, dee]) await button(page, 'Leave call').click();
  await expectVisible(button(bob, 'Start call'), '"Start call" once everyone has left');
  await expectHidden(bob.getByText('Call in progress'), 'the call banner once the call ended');
}

export const journeys = [
  { name: 'two people in a room connect: sound and picture both ways', run: twoConnect },
  { name: 'switching microphones keeps the sound going', run: deviceSwitched },
  { name: 'a third joins, one leaves, the other two carry on', run: thirdJoinsOneLeaves },
  { name: 'a shared screen reaches the others', run: screenShared },
  { name: 'a failed connection recovers through an ICE restart', run: iceRestartRecovers },
  { name: 'on a phone the controls are in reach; the call follows to the chat', run: phoneLayout },
  { name: 'a full call refuses the next joiner in plain words', run: fullCallRefused },
  { name: 'once everyone has left, the room can start a new call', run: everyoneLeaves },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { ada: world.ada, bob: world.bob, cy: world.cy, dee: world.dee, eve: world.eve };
}
