/**
 * Expectations and page helpers for the browser journeys. playwright-core has no `expect`, so
 * these poll with a deadline and throw an Error that says what a person would have missed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** How long one expectation waits for the page to get there. */
export const EXPECT_MS = 10_000;

/** Polls `condition` until it returns true within `ms`; the last error thrown is reported. */
export async function eventually(description, condition, ms = EXPECT_MS) {
  const deadline = Date.now() + ms;
  let lastError;
  while (Date.now() < deadline) {
    try {
      if (await condition()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    await sleep(100);
  }
  const why = lastError ? ` (last error: ${String(lastError.message).split('\n')[0]})` : '';
  throw new Error(`expected ${description}${why}`);
}

export async function expectVisible(locator, description) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: EXPECT_MS });
  } catch {
    throw new Error(`expected ${description} to be visible`);
  }
}

export async function expectHidden(locator, description) {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout: EXPECT_MS });
  } catch {
    throw new Error(`expected ${description} not to be shown`);
  }
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Fails the journey on uncaught page errors and on any dialog (an alert() means injected script). */
export function watch(page, name, problems) {
  page.on('pageerror', (error) => problems.push(`${name}: uncaught ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`${name}: a ${dialog.type()} dialog opened: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') console.log(`    [${name} console] ${message.text()}`);
  });
}

/**
 * Runs axe-core (WCAG 2 A and AA rules) on the page as it is now and fails with every violation
 * it finds: rule, impact and the elements. Evaluated through the DevTools protocol, so the
 * app's CSP (no inline scripts) stays as it is.
 */
export async function expectAccessible(page, where) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  check(
    violations.length === 0,
    `axe found ${violations.length} accessibility violation(s) on ${where}: ${JSON.stringify(violations)}`,
  );
}

// The accessible names of API.md ("Web client: names a person (and a test) can find").

export const messagesOf = (page) => page.getByRole('region', { name: 'Messages', exact: true });
export const membersOf = (page) => page.getByRole('region', { name: 'Members', exact: true });
export const textbox = (page, name) => page.getByRole('textbox', { name, exact: true });
export const button = (page, name) => page.getByRole('button', { name, exact: true });

export async function send(page, text, { withEnter = false } = {}) {
  await textbox(page, 'Message').fill(text);
  if (withEnter) await textbox(page, 'Message').press('Enter');
  else await button(page, 'Send').click();
}

export async function expectMessage(page, text, who) {
  await expectVisible(
    messagesOf(page).getByText(text, { exact: true }),
    `${who} to see the message ${JSON.stringify(text)} in region "Messages"`,
  );
}

/**
 * On a phone the members are a drawer behind "Members" in the "Room menu"; on a desktop, a
 * sidebar.
 */
export async function showMembers(page) {
  if (await membersOf(page).isVisible()) return;
  const menu = button(page, 'Room menu');
  if ((await menu.isVisible()) && (await menu.getAttribute('aria-expanded')) !== 'true') {
    await menu.click();
  }
  await page.getByRole('button', { name: /^Members/ }).click();
  await expectVisible(membersOf(page), 'region "Members"');
}

export async function hideMembers(page) {
  const toggle = page.getByRole('button', { name: /^Members/ });
  if ((await toggle.isVisible()) && (await toggle.getAttribute('aria-expanded')) === 'true') {
    await toggle.click();
  }
}

/** Waits until the member list says `name` is `online` or `offline` (its visually hidden text). */
export async function expectPresence(page, name, presence, who) {
  await showMembers(page);
  const item = membersOf(page)
    .getByRole('listitem')
    .filter({ has: page.getByText(name, { exact: true }) });
  await eventually(`${who} to see ${name} ${presence} in region "Members"`, async () => {
    const hidden = await item.locator('.visually-hidden').allTextContents();
    return hidden.includes(presence);
  });
}

export const filesOf = (page) => page.getByRole('region', { name: 'Files', exact: true });

/** On a phone the gallery is the "Files" tab beside the chat; on a desktop, in the sidebar. */
export async function showFiles(page) {
  if (await filesOf(page).isVisible()) return;
  await page.getByRole('tab', { name: /^Files/ }).click();
  await expectVisible(filesOf(page), 'region "Files"');
}

export async function showChat(page) {
  if (await messagesOf(page).isVisible()) return;
  await page.getByRole('tab', { name: 'Chat', exact: true }).click();
  await expectVisible(messagesOf(page), 'region "Messages"');
}

/** Waits until an <img> has loaded real pixels (not a broken image). */
export async function expectImageLoaded(locator, description) {
  await expectVisible(locator, description);
  await eventually(`${description} to load`, () =>
    locator.first().evaluate((img) => img.complete && img.naturalWidth > 0),
  );
}

/** Picks files in the chooser the "Upload" button opens; `files` as playwright's payloads. */
export async function uploadWithButton(page, files) {
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    button(page, 'Upload').click(),
  ]);
  check(chooser.isMultiple(), 'the "Upload" file picker does not allow several files');
  // A payload crosses the DevTools protocol base64-encoded in one message: the 21 MB file of the
  // "too large" journey takes Chromium 156 more than the default 10 s to take in.
  await chooser.setFiles(files, { timeout: 60_000 });
}

/** A one-finger swipe on a touch screen, through the DevTools protocol. */
export async function swipe(page, from, to, steps = 6) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const point = (i) => ({
      x: from.x + ((to.x - from.x) * i) / steps,
      y: from.y + ((to.y - from.y) * i) / steps,
    });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point(0)] });
    for (let i = 1; i <= steps; i++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [point(i)] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  } finally {
    await cdp.detach();
  }
}

/** Pretends the tab went to the background (or came back), as switching tabs does. */
export function setTabHidden(page, hidden) {
  return page.evaluate((value) => {
    const { document } = globalThis;
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (value ? 'hidden' : 'visible'),
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** A desktop browser context (1280×800, light theme). */
export function newDesktop(browser, baseUrl, options = {}) {
  return browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    ...options,
  });
}

/** A phone browser context (390×844, touch, dark theme). */
export function newPhone(browser, baseUrl, options = {}) {
  return browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    colorScheme: 'dark',
    ...options,
  });
}

const HARBOUR = { sky: ['#3366cc', '#9cc3ff'], sun: '#ffe08a', hills: ['#2f7d4f', '#1f5c3a'] };

/** A landscape drawn at test time: a sky, a sun and two hills, in the colours given. */
export function landscape(width, height, { sky, sun, hills } = HARBOUR) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 120 80" preserveAspectRatio="none">
    <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="${sky[0]}"/><stop offset="1" stop-color="${sky[1]}"/>
    </linearGradient></defs>
    <rect width="120" height="80" fill="url(#s)"/>
    <circle cx="84" cy="26" r="10" fill="${sun}"/>
    <path d="M0 60 Q30 38 60 58 T120 52 V80 H0z" fill="${hills[0]}"/>
    <path d="M0 70 Q40 56 80 70 T120 66 V80 H0z" fill="${hills[1]}"/>
  </svg>`;
  return sharp(Buffer.from(svg));
}

/** A port nothing listens on now, for a server of the journeys' own. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
