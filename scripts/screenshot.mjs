#!/usr/bin/env node
/**
 * Draws docs/screenshot.png, the README's picture: one room on a desktop (light theme, the code
 * beside the chat) and on a phone (dark theme, the chat with a photo), side by side. Needs a
 * build (`npm run build`) and Debian's Chromium; run it after changing how a room looks:
 *
 *   node scripts/screenshot.mjs
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import {
  button,
  eventually,
  expectVisible,
  freePort,
  landscape,
  messagesOf,
  newDesktop,
  newPhone,
  send,
  textbox,
  uploadWithButton,
} from '../e2e/lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = join(root, 'docs', 'screenshot.png');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const SCRIPT = [
  'from collections import Counter',
  '',
  'photos = ["harbour.jpg", "meadow.png", "harbour.jpg", "dunes.jpg"]',
  'for name, count in Counter(photos).most_common():',
  '    print(f"{name:<12} {count}")',
].join('\n');

async function startServer() {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist', 'server', 'main.js')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let tries = 0; tries < 100; tries++) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return { child, baseUrl };
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  child.kill();
  throw new Error('the server did not start; run `npm run build` first');
}

async function joinAs(page, name) {
  await textbox(page, 'Display name').fill(name);
  await button(page, 'Join').click();
  await expectVisible(messagesOf(page), `the room for ${name}`);
}

/** The scene: Ada on her desktop, Grace on her phone, a photo, a little talk and a run. */
async function stage(browser, baseUrl) {
  const ada = await (await newDesktop(browser, baseUrl)).newPage();
  const grace = await (await newPhone(browser, baseUrl)).newPage();
  await ada.goto('/');
  await textbox(ada, 'Room name').fill('Harbour trip');
  await ada.getByRole('radio', { name: '1 day', exact: true }).check();
  await button(ada, 'Create room').click();
  await ada.waitForURL(/\/r\//);
  await joinAs(ada, 'Ada');
  await grace.goto(ada.url());
  await joinAs(grace, 'Grace');

  await send(grace, 'Back from the harbour! Photos coming.');
  const photo = await landscape(1200, 800).jpeg({ quality: 85 }).toBuffer();
  await uploadWithButton(grace, { name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: photo });
  await send(ada, 'Lovely light. How many did each of us take?');
  await send(grace, 'Counting them in the code tab now');

  await ada.getByRole('tab', { name: 'Code', exact: true }).click();
  const code = ada.getByRole('region', { name: 'Code', exact: true });
  await ada.getByRole('combobox', { name: 'Language', exact: true }).selectOption({
    label: 'Python',
  });
  await code.locator('.cm-content').click();
  await ada.keyboard.press('Control+a');
  await ada.keyboard.press('Backspace');
  for (const line of SCRIPT.split('\n')) {
    await ada.keyboard.insertText(line.trimStart());
    await ada.keyboard.press('Enter');
  }
  // Back to the top left, so the picture starts at the first line's first character.
  await ada.keyboard.press('Control+Home');
  await button(ada, 'Run').click();
  const output = ada.getByRole('region', { name: 'Output', exact: true });
  // Python's first run loads its interpreter: give it a minute.
  await eventually(
    'the run to finish',
    async () => (await output.innerText()).includes('exit code'),
    60_000,
  );
  await grace.getByRole('img', { name: 'harbour.jpg', exact: true }).first().waitFor();
  await sleep(500);
  return { ada, grace };
}

/** A screenshot with rounded corners and a thin frame, as a device shows it. */
async function framed(png, width, radius, frame) {
  const inner = await sharp(png).resize({ width }).toBuffer({ resolveWithObject: true });
  const { height } = inner.info;
  const mask = Buffer.from(
    `<svg width="${width}" height="${height}"><rect width="${width}" height="${height}" rx="${radius}" fill="#fff"/></svg>`,
  );
  const rounded = await sharp(inner.data)
    .composite([{ input: mask, blend: 'dest-in' }])
    .png()
    .toBuffer();
  const outer = { width: width + 2 * frame, height: height + 2 * frame };
  const shell = Buffer.from(
    `<svg width="${outer.width}" height="${outer.height}"><rect width="${outer.width}" height="${outer.height}" rx="${radius + frame}" fill="#1f2330"/></svg>`,
  );
  const data = await sharp(shell)
    .composite([{ input: rounded, left: frame, top: frame }])
    .png()
    .toBuffer();
  return { data, ...outer };
}

const { child, baseUrl } = await startServer();
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const { ada, grace } = await stage(browser, baseUrl);
  const desktop = await framed(await ada.screenshot(), 1280, 12, 2);
  const phone = await framed(await grace.screenshot(), 380, 36, 10);
  const width = 40 + desktop.width + 40 + phone.width + 40;
  const height = Math.max(desktop.height, phone.height) + 80;
  await sharp({ create: { width, height, channels: 3, background: '#e6e9f2' } })
    .composite([
      { input: desktop.data, left: 40, top: Math.round((height - desktop.height) / 2) },
      {
        input: phone.data,
        left: 80 + desktop.width,
        top: Math.round((height - phone.height) / 2),
      },
    ])
    .png({ compressionLevel: 9, palette: true, quality: 90 })
    .toFile(target);
  console.log(`wrote ${target} (${width}×${height})`);
} finally {
  await browser.close();
  child.kill();
}
