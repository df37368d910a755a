/**
 * Link cards in Chromium: a link in a message shows its card (logo, site, title, description,
 * picture) to everyone, every picture loaded from Roomkit and never from the site; the sender
 * takes the card off; the owner turns cards off for the room. The "site" is a local server that
 * Roomkit may reach through FETCH_ALLOW_HOSTS, on a server of this file's own.
 */
import { createServer } from 'node:http';
import {
  button,
  check,
  EXPECT_MS,
  expectAccessible,
  expectHidden,
  expectImageLoaded,
  expectMessage,
  expectVisible,
  landscape,
  membersOf,
  messagesOf,
  newDesktop,
  newPhone,
  send,
  showMembers,
  textbox,
  watch,
} from './lib.mjs';
import { startServer, stopServer } from './server.mjs';

const TITLE = 'Harbour trip & more';

/** The third-party site: an article with Open Graph tags, its picture and its logo. */
async function startSite() {
  const picture = await landscape(800, 420).jpeg().toBuffer();
  const logo = await landscape(64, 64).png().toBuffer();
  const requests = [];
  const server = createServer((request, response) => {
    requests.push({ path: request.url, agent: request.headers['user-agent'] ?? '' });
    if (request.url === '/article' || request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html><head>
        <title>Fallback</title>
        <meta property="og:title" content="Harbour trip &amp; more">
        <meta property="og:description" content="Boats, gulls and a very long pier.">
        <meta property="og:site_name" content="The Harbour Times">
        <meta property="og:image" content="/picture.jpg">
        <link rel="icon" type="image/png" sizes="64x64" href="/logo.png">
        </head><body>Article</body></html>`);
    } else if (request.url === '/picture.jpg') {
      response.writeHead(200, { 'content-type': 'image/jpeg' }).end(picture);
    } else if (request.url === '/logo.png') {
      response.writeHead(200, { 'content-type': 'image/png' }).end(logo);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const cardsOf = (page) => messagesOf(page).locator('.link-card');

async function linkCards({ browser, artifacts, world, problems }) {
  const site = await startSite();
  const server = await startServer({
    env: { FETCH_ALLOW_HOSTS: `127.0.0.1:${new URL(site.origin).port}` },
  });
  Object.assign(world, { site, server });
  try {
    await cardsShownAndRemoved({ browser, artifacts, world, problems });
  } catch (error) {
    // The next journey, which would stop them, does not run after this one fails.
    await stopServer(server);
    await site.close();
    throw error;
  }
}

async function cardsShownAndRemoved({ browser, artifacts, world, problems }) {
  const { site, server } = world;
  const desktop = await newDesktop(browser, server.baseUrl);
  desktop.setDefaultTimeout(EXPECT_MS);
  const phone = await newPhone(browser, server.baseUrl, { colorScheme: 'dark' });
  phone.setDefaultTimeout(EXPECT_MS);
  const ada = await desktop.newPage();
  const grace = await phone.newPage();
  watch(ada, 'desktop', problems);
  watch(grace, 'phone', problems);
  Object.assign(world, { desktop, phone, ada, grace });
  // No browser ever asks the site for anything: Roomkit does, and re-serves the pictures.
  for (const page of [ada, grace]) {
    page.on('request', (request) => {
      if (request.url().startsWith(site.origin))
        problems.push(`the browser asked ${request.url()}`);
    });
  }

  await ada.goto('/');
  await textbox(ada, 'Room name').fill('Reading list');
  await button(ada, 'Create room').click();
  await ada.waitForURL(/\/r\/[A-Za-z0-9_-]{22,64}$/);
  const roomPath = new URL(ada.url()).pathname;
  await textbox(ada, 'Display name').fill('Ada');
  await button(ada, 'Join').click();
  await expectVisible(messagesOf(ada), 'region "Messages" for Ada');
  await grace.goto(roomPath);
  await textbox(grace, 'Display name').fill('Grace');
  await button(grace, 'Join').click();
  await expectVisible(messagesOf(grace), 'region "Messages" for Grace');

  const text = `Look: ${site.origin}/article`;
  await send(ada, text);
  for (const [page, who] of [
    [ada, 'Ada'],
    [grace, 'Grace'],
  ]) {
    await expectVisible(
      messagesOf(page).getByRole('link', { name: TITLE, exact: true }),
      `the card's title for ${who}`,
    );
    await expectVisible(
      cardsOf(page).getByText('The Harbour Times', { exact: true }),
      `the site's name for ${who}`,
    );
  }
  await expectImageLoaded(cardsOf(grace).locator('img.link-card-image'), 'the card’s picture');
  await expectImageLoaded(cardsOf(grace).locator('img.link-card-icon'), 'the site’s logo');
  const src = await cardsOf(grace).locator('img.link-card-image').getAttribute('src');
  check(src?.startsWith('/api/images?'), `the picture comes from ${src}`);
  const icon = await cardsOf(grace).locator('img.link-card-icon').getAttribute('src');
  check(icon?.includes('theme=dark'), `the dark phone asks for the dark logo: ${icon}`);
  check(
    site.requests.every((request) => request.agent.startsWith('Roomkit/')),
    'someone other than Roomkit asked the site',
  );
  await ada.screenshot({ path: `${artifacts}/previews-desktop.png` });
  await grace.screenshot({ path: `${artifacts}/previews-phone.png` });
  await expectAccessible(ada, 'a message with its card (light)');
  await expectAccessible(grace, 'a message with its card (dark phone)');

  // Only the sender is offered "Remove preview"; taking it off takes it off for everyone.
  check(
    (await cardsOf(grace).getByRole('button', { name: 'Remove preview' }).count()) === 0,
    'Grace was offered to remove Ada’s preview',
  );
  await cardsOf(ada).getByRole('button', { name: 'Remove preview', exact: true }).click();
  await expectHidden(cardsOf(grace), 'the card, for Grace, once Ada removed it');
  await expectHidden(cardsOf(ada), 'the card, for Ada, once she removed it');
  await expectMessage(grace, text, 'Grace, the link itself still there');
}

async function ownerTurnsCardsOff({ world }) {
  try {
    await cardsTurnedOff(world);
  } finally {
    await world.desktop.close();
    await world.phone.close();
    await stopServer(world.server);
    await world.site.close();
  }
}

async function cardsTurnedOff(world) {
  const { ada, grace, site } = world;
  await showMembers(ada);
  const setting = membersOf(ada).getByRole('checkbox', { name: 'Show link previews' });
  check(await setting.isChecked(), 'link previews were off in a new room');
  check(
    (await membersOf(grace).getByRole('checkbox', { name: 'Show link previews' }).count()) === 0,
    'a guest was offered the owner’s settings',
  );
  await setting.uncheck();
  await expectVisible(
    membersOf(ada).getByRole('checkbox', { name: 'Show link previews', checked: false }),
    'the setting unticked',
  );
  await send(grace, `Also ${site.origin}/`);
  await send(grace, 'and nothing else');
  await expectMessage(ada, 'and nothing else', 'Ada');
  // The page would have been read by now (it takes milliseconds); nothing came.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  check((await cardsOf(ada).count()) === 0, 'a card appeared in a room without previews');
}

export const journeys = [
  {
    name: 'a link shows its card, its pictures from Roomkit; the sender removes it',
    run: linkCards,
  },
  { name: 'the owner turns link previews off', run: ownerTurnsCardsOff },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { desktop: world.ada, phone: world.grace };
}
