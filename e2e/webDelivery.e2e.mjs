/**
 * How the web client arrives (docs/api.md, "As built", "Web client files"): the home page and its
 * scripts compressed, the scripts cached by content hash and the page revalidated, no source
 * map served, and a room's code fetched only when a room is opened — on a desktop (light) and
 * a phone (dark).
 */
import {
  button,
  check,
  expectAccessible,
  EXPECT_MS,
  expectVisible,
  messagesOf,
  newDesktop,
  newPhone,
  textbox,
  watch,
} from './lib.mjs';

const COMPRESSED = ['br', 'gzip'];
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Every response the context receives, by URL path. */
function recordResponses(context) {
  const responses = new Map();
  context.on('response', (response) => {
    responses.set(new URL(response.url()).pathname, response);
  });
  return responses;
}

async function homePage({ browser, baseUrl, world, problems }) {
  const desktop = await newDesktop(browser, baseUrl);
  desktop.setDefaultTimeout(EXPECT_MS);
  const responses = recordResponses(desktop);
  const page = await desktop.newPage();
  watch(page, 'desktop', problems);
  Object.assign(world, { desktop, home: page });

  const document = await page.goto('/');
  check(document?.ok(), `GET / answered ${document?.status()}`);
  const headers = document.headers();
  check(
    headers['cache-control'] === 'no-cache',
    `the page's Cache-Control: ${headers['cache-control']}`,
  );
  check(
    COMPRESSED.includes(headers['content-encoding']),
    `the page's Content-Encoding: ${headers['content-encoding']}`,
  );
  await expectVisible(page.getByRole('heading', { name: 'Roomkit', exact: true }), 'the heading');

  // The scripts the page itself names (the HTML as sent: the app adds preloads later, when it
  // fetches a room's code): compressed, cached for a year, none of them a room's.
  const html = await document.text();
  const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  check(scripts.length > 0, 'the page names no script');
  for (const path of scripts) {
    check(!/\/RoomPage-/.test(path), `the home page loads the room's code: ${path}`);
    const response = responses.get(path);
    check(response !== undefined, `no response seen for ${path}`);
    const h = await response.allHeaders();
    check(
      COMPRESSED.includes(h['content-encoding']),
      `${path}: Content-Encoding ${h['content-encoding']}`,
    );
    check(h['cache-control'] === IMMUTABLE, `${path}: Cache-Control ${h['cache-control']}`);
    check(/accept-encoding/i.test(h.vary ?? ''), `${path}: Vary ${h.vary}`);
    const source = await (await page.request.get(path)).text();
    check(!source.includes('sourceMappingURL'), `${path} points at a source map`);
    const map = await page.request.get(`${path}.map`);
    check(map.status() === 404, `${path}.map answered ${map.status()}`);
  }
  await expectAccessible(page, 'the home page');
}

async function roomOnDemand({ browser, baseUrl, world, problems }) {
  const phone = await newPhone(browser, baseUrl);
  phone.setDefaultTimeout(EXPECT_MS);
  const responses = recordResponses(phone);
  const page = await phone.newPage();
  watch(page, 'phone', problems);
  Object.assign(world, { phone, room: page });

  const created = await page.request.post('/api/rooms', { data: {} });
  check(created.status() === 201, `POST /api/rooms answered ${created.status()}`);
  const { room } = await created.json();
  await page.goto(`/r/${room.id}`);
  await textbox(page, 'Display name').fill('Grace');
  await button(page, 'Join').click();
  await expectVisible(messagesOf(page), 'region "Messages"');
  const roomCode = [...responses.keys()].find((path) => /\/assets\/RoomPage-[^/]+\.js$/.test(path));
  check(roomCode !== undefined, "the room's code was not fetched");
  const h = await responses.get(roomCode).allHeaders();
  check(
    COMPRESSED.includes(h['content-encoding']),
    `${roomCode}: Content-Encoding ${h['content-encoding']}`,
  );
  check(h['cache-control'] === IMMUTABLE, `${roomCode}: Cache-Control ${h['cache-control']}`);
  await expectAccessible(page, 'a room on a phone');

  // The page a room link leads to is revalidated like the home page.
  const again = await page.request.get(`/r/${room.id}`);
  check(
    again.headers()['cache-control'] === 'no-cache',
    `/r/<id>: ${again.headers()['cache-control']}`,
  );
}

export const journeys = [
  { name: 'the home page arrives compressed and cached by content, without a room', run: homePage },
  { name: "a room's code comes when a room is opened", run: roomOnDemand },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { desktop: world.home, phone: world.room };
}
