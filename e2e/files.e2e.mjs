/* global document, DataTransfer, ClipboardEvent -- used in page.evaluate() callbacks, which run in the browser. */
/**
 * Photos and files between a desktop (light theme) and a phone (dark theme): uploading with the
 * "Upload" button, by drag and drop and by pasting; the gallery and the lightbox; refused files
 * and cancelled uploads; and the installable PWA, whose share target sends a photo from another
 * app into a room through the service worker. The journeys share the room of the first.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import {
  button,
  check,
  expectAccessible,
  eventually,
  EXPECT_MS,
  expectHidden,
  expectImageLoaded,
  expectMessage,
  expectVisible,
  filesOf,
  messagesOf,
  showChat,
  showFiles,
  swipe,
  landscape,
  textbox,
  uploadWithButton,
  newDesktop,
  newPhone,
  watch,
} from './lib.mjs';

const MEADOW = { sky: ['#ff9a62', '#ffd9a8'], sun: '#fff3c4', hills: ['#6aa84f', '#38761d'] };
const SUNSET = { sky: ['#5b2a86', '#f08a4b'], sun: '#ffd166', hills: ['#3d2c5e', '#1d1433'] };

/** The camera the test photos name in their EXIF, which no download may carry. */
const CAMERA = 'RoomkitTestCamera';

const jpeg = async (name, width, height, colours) => ({
  name,
  mimeType: 'image/jpeg',
  buffer: await landscape(width, height, colours)
    .jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: CAMERA, Model: 'Harbour 1' }, IFD3: { GPSLatitudeRef: 'N' } })
    .toBuffer(),
});

/** A JPEG's compressed picture: from its first start-of-scan marker (FF DA) to the end. */
function scanData(bytes) {
  const start = bytes.indexOf(Buffer.from([0xff, 0xda]));
  return start < 0 ? Buffer.alloc(0) : bytes.subarray(start);
}

async function joinAs(page, name) {
  await textbox(page, 'Display name').fill(name);
  await button(page, 'Join').click();
  await expectVisible(messagesOf(page), `region "Messages" for ${name}`);
}

const imageIn = (region, name) => region.getByRole('img', { name, exact: true });

async function photoFromDesktopInPhoneGallery({ browser, baseUrl, artifacts, world, problems }) {
  const desktop = await newDesktop(browser, baseUrl, { acceptDownloads: true });
  const phone = await newPhone(browser, baseUrl);
  for (const context of [desktop, phone]) context.setDefaultTimeout(EXPECT_MS);
  const ada = await desktop.newPage();
  const grace = await phone.newPage();
  watch(ada, 'desktop', problems);
  watch(grace, 'phone', problems);
  Object.assign(world, { desktop, phone, ada, grace });

  await ada.goto('/');
  await button(ada, 'Create room').click();
  await ada.waitForURL(/\/r\/[A-Za-z0-9_-]{22,64}$/);
  const roomId = new URL(ada.url()).pathname.split('/').pop();
  await joinAs(ada, 'Ada');
  const roomName = (await ada.getByRole('heading', { level: 1 }).innerText()).trim();
  Object.assign(world, { roomId, roomName });

  await grace.goto(`/r/${roomId}`);
  await joinAs(grace, 'Grace');

  // Ada shares a photo with the "Upload" button; it shows in her chat and her gallery at once.
  const harbour = await jpeg('harbour.jpg', 1200, 800);
  world.harbour = harbour;
  await uploadWithButton(ada, harbour);
  await expectImageLoaded(imageIn(messagesOf(ada), 'harbour.jpg'), 'the photo in Ada’s chat');
  await expectImageLoaded(imageIn(filesOf(ada), 'harbour.jpg'), 'the photo in Ada’s gallery');

  // Grace sees it in her chat, then in the gallery behind the "Files" tab of her phone.
  await expectImageLoaded(imageIn(messagesOf(grace), 'harbour.jpg'), 'the photo in Grace’s chat');
  await showFiles(grace);
  const thumb = imageIn(filesOf(grace), 'harbour.jpg');
  await expectImageLoaded(thumb, 'the photo in Grace’s gallery');
  const attributes = await thumb.evaluate((img) => ({
    loading: img.getAttribute('loading'),
    srcset: img.getAttribute('srcset') ?? '',
    sizes: img.getAttribute('sizes') ?? '',
    current: img.currentSrc,
  }));
  check(attributes.loading === 'lazy', `gallery thumbnails load ${attributes.loading}, not lazily`);
  for (const width of [256, 480, 960]) {
    check(
      attributes.srcset.includes(`w=${width}&`) && attributes.srcset.includes(`${width}w`),
      `the gallery srcset lacks the ${width}px thumbnail: ${attributes.srcset}`,
    );
  }
  check(attributes.srcset.includes('format=auto'), 'thumbnails do not ask for format=auto');
  check(attributes.sizes.length > 0, 'gallery thumbnails have no sizes attribute');
  check(attributes.current.includes('/thumb?'), `the gallery shows ${attributes.current}`);

  await ada.screenshot({ path: join(artifacts, 'files-desktop-gallery.png') });
  await grace.screenshot({ path: join(artifacts, 'files-phone-gallery.png') });
  await expectAccessible(ada, 'the gallery on a desktop');
  await expectAccessible(grace, 'the gallery on a phone');
}

async function dropAndPaste({ world }) {
  const { ada } = world;
  // Dropped on the room: a portrait photo.
  const meadow = await landscape(900, 1200, MEADOW).png().toBuffer();
  const dataTransfer = await ada.evaluateHandle(
    ({ bytes, name, type }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], name, { type }));
      return transfer;
    },
    { bytes: [...meadow], name: 'meadow.png', type: 'image/png' },
  );
  await ada.dispatchEvent('.room', 'dragenter', { dataTransfer });
  await expectVisible(ada.getByText('Drop to share in', { exact: false }), 'the drop overlay');
  await ada.dispatchEvent('.room', 'drop', { dataTransfer });
  await expectImageLoaded(imageIn(filesOf(ada), 'meadow.png'), 'the dropped photo in the gallery');
  await expectHidden(ada.getByText('Drop to share in', { exact: false }), 'the drop overlay');

  // Pasted into the message box: a screenshot, which browsers all name "image.png".
  const screenshot = await landscape(640, 400, SUNSET).png().toBuffer();
  await textbox(ada, 'Message').focus();
  await ada.evaluate(
    ({ bytes }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
      const event = new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true });
      document.activeElement?.dispatchEvent(event);
    },
    { bytes: [...screenshot] },
  );
  await expectImageLoaded(
    filesOf(ada).getByRole('img', { name: /^Pasted image \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\.png$/ }),
    'the pasted screenshot in the gallery, named after the moment it was pasted',
  );
  const names = await filesOf(ada)
    .getByRole('img')
    .evaluateAll((images) => images.map((img) => img.alt));
  check(
    names.length === 3 && names[1] === 'meadow.png' && names[2] === 'harbour.jpg',
    `the gallery is not newest first: ${names.join(', ')}`,
  );
}

async function lightbox({ world, artifacts }) {
  const { ada, grace, harbour } = world;

  // On the phone: open the oldest photo, swipe back to the newer one, close.
  await showFiles(grace);
  await imageIn(filesOf(grace), 'harbour.jpg').click();
  const dialog = grace.getByRole('dialog');
  await expectVisible(dialog, 'the lightbox on the phone');
  await expectVisible(grace.getByRole('heading', { name: 'harbour.jpg' }), 'the photo’s name');
  await expectVisible(dialog.getByText(/Shared by Ada/), '"Shared by Ada" in the lightbox');
  await expectVisible(
    dialog.getByText('Location and camera data were removed.'),
    'the lightbox saying the photo was cleaned',
  );
  await expectImageLoaded(imageIn(dialog, 'harbour.jpg'), 'the full-size photo');
  const download = dialog.getByRole('button', { name: 'Download', exact: true });
  await expectVisible(download, 'the "Download" button');
  check(
    (await download.getAttribute('download')) === 'harbour.jpg',
    'the "Download" button does not save the file under its name',
  );
  check(
    !(await download.getAttribute('href'))?.includes('/thumb'),
    '"Download" points at a thumbnail, not the original',
  );
  await grace.screenshot({ path: join(artifacts, 'files-phone-lightbox.png') });
  await expectAccessible(grace, 'the lightbox on a phone');

  await swipe(grace, { x: 80, y: 420 }, { x: 330, y: 430 });
  await expectVisible(
    grace.getByRole('heading', { name: 'meadow.png' }),
    'meadow.png after a swipe',
  );
  await swipe(grace, { x: 330, y: 420 }, { x: 60, y: 410 });
  await expectVisible(grace.getByRole('heading', { name: 'harbour.jpg' }), 'harbour.jpg again');
  await button(grace, 'Close').click();
  await expectHidden(dialog, 'the lightbox after "Close"');

  // On the desktop: open from the chat, page with the arrow keys, download, Escape.
  await imageIn(messagesOf(ada), 'meadow.png').click();
  const desktopDialog = ada.getByRole('dialog');
  await expectVisible(
    ada.getByRole('heading', { name: 'meadow.png' }),
    'the lightbox on the desktop',
  );
  await ada.keyboard.press('ArrowRight');
  await expectVisible(ada.getByRole('heading', { name: 'harbour.jpg' }), 'harbour.jpg after →');
  await expectImageLoaded(imageIn(desktopDialog, 'harbour.jpg'), 'the full-size photo');
  await ada.screenshot({ path: join(artifacts, 'files-desktop-lightbox.png') });
  const [saved] = await Promise.all([
    ada.waitForEvent('download'),
    desktopDialog.getByRole('button', { name: 'Download', exact: true }).click(),
  ]);
  check(
    saved.suggestedFilename() === 'harbour.jpg',
    `"Download" saved ${saved.suggestedFilename()}`,
  );
  const savedPath = await saved.path();
  const metadata = await sharp(savedPath).metadata();
  check(
    metadata.width === 1200 && metadata.height === 800,
    `the download is ${metadata.width}×${metadata.height}, not the 1200×800 original`,
  );
  // Given back as it was sent, minus metadata: the compressed picture byte for byte, no camera.
  const savedBytes = await readFile(savedPath);
  const sent = scanData(harbour.buffer);
  check(sent.length > 1000, 'the photo sent has no picture data');
  check(harbour.buffer.includes(CAMERA), 'the photo sent carries no camera to remove');
  check(scanData(savedBytes).equals(sent), 'the download’s picture data differs from the upload’s');
  check(!savedBytes.includes(CAMERA), 'the download still names the camera');
  check(savedBytes.length <= harbour.buffer.length, 'the download is larger than the upload');
  await ada.keyboard.press('ArrowLeft');
  await expectVisible(ada.getByRole('heading', { name: 'meadow.png' }), 'meadow.png after ←');
  await ada.keyboard.press('Escape');
  await expectHidden(desktopDialog, 'the lightbox after Escape');
}

async function refusedAndCancelled({ world, artifacts }) {
  const { ada, grace, desktop } = world;

  // Refused by the server: a file type that is never shared.
  await uploadWithButton(ada, {
    name: 'logo.svg',
    mimeType: 'image/svg+xml',
    buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
  });
  await expectVisible(
    ada
      .getByRole('alert')
      .filter({ hasText: "logo.svg can't be shared: this file type isn't allowed." }),
    'the "file type isn\'t allowed" message',
  );
  // Refused before sending: over 20 MB.
  await uploadWithButton(ada, {
    name: 'huge.mov',
    mimeType: 'video/quicktime',
    buffer: Buffer.alloc(21 * 1024 * 1024, 1),
  });
  await expectVisible(
    ada.getByRole('alert').filter({ hasText: 'huge.mov is too large (max 20 MB).' }),
    'the "too large" message',
  );
  await ada.screenshot({ path: join(artifacts, 'files-desktop-upload-errors.png') });
  for (let i = 0; i < 2; i++) await button(ada, 'Dismiss').first().click();
  await expectHidden(ada.getByRole('alert'), 'the upload errors after "Dismiss"');

  // Other files are tiles with their size and a download button.
  await uploadWithButton(ada, {
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('Bring sunscreen.\n'.repeat(40)),
  });
  await showFiles(grace);
  await expectVisible(
    filesOf(grace).getByRole('button', { name: 'Download notes.txt', exact: true }),
    'the tile of notes.txt in Grace’s gallery',
  );
  await showChat(grace);
  await expectVisible(
    messagesOf(grace).getByRole('link', { name: /notes\.txt/ }),
    'the file chip of notes.txt in Grace’s chat',
  );

  // A slow uplink: two uploads run, the third waits; progress moves; each can be cancelled.
  let waitingName = '';
  const cdp = await desktop.newCDPSession(ada);
  try {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    const big = (name) => ({
      name,
      mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(3 * 1024 * 1024, name.length),
    });
    await uploadWithButton(ada, [big('one.bin'), big('two.bin'), big('three.bin')]);
    const bars = ada.getByRole('progressbar');
    await eventually('three progress bars, two moving and one waiting', async () => {
      const texts = await bars.evaluateAll((all) =>
        all.map((bar) => bar.getAttribute('aria-valuetext')),
      );
      return texts.length === 3 && texts.filter((text) => text === 'Waiting').length === 1;
    });
    await eventually('the first upload’s progress to move', async () => {
      const now = await bars.first().getAttribute('aria-valuenow');
      return Number(now) > 0 && Number(now) < 100;
    });
    await ada.screenshot({ path: join(artifacts, 'files-desktop-uploading.png') });
    // The waiting upload is cancelled first, so it never starts; then the two running ones.
    const waiting = await bars.evaluateAll((all) =>
      all
        .filter((bar) => bar.getAttribute('aria-valuetext') === 'Waiting')
        .map((bar) => (bar.getAttribute('aria-label') ?? '').replace(/^Uploading /, '')),
    );
    check(waiting.length === 1, 'exactly one upload waiting');
    waitingName = waiting[0];
    await ada
      .getByRole('listitem', { name: waitingName })
      .getByRole('button', { name: 'Cancel upload' })
      .click();
    for (let i = 0; i < 2; i++) await button(ada, 'Cancel upload').first().click();
    await expectHidden(bars, 'the progress bars after "Cancel upload"');
  } finally {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await cdp.detach();
  }
  await uploadWithButton(ada, await jpeg('after.jpg', 300, 200, MEADOW));
  await expectVisible(imageIn(filesOf(ada), 'after.jpg'), 'an upload after the cancelled ones');
  // A running upload cancelled after its last byte left may still land (the server had it all
  // before the abort); one cancelled while waiting never starts, so it can never reach the room.
  check(
    (await filesOf(ada).getByText(waitingName, { exact: true }).count()) === 0,
    'a cancelled upload that was still waiting reached the room',
  );

  // The whole gallery, each device in the other theme too.
  await showFiles(grace);
  await expectImageLoaded(imageIn(filesOf(grace), 'after.jpg'), 'the last photo for Grace');
  await grace.screenshot({ path: join(artifacts, 'files-phone-gallery-dark.png') });
  await expectAccessible(grace, 'the gallery on a phone (dark)');
  await grace.emulateMedia({ colorScheme: 'light' });
  await grace.screenshot({ path: join(artifacts, 'files-phone-gallery-light.png') });
  await grace.emulateMedia({ colorScheme: 'dark' });
  await ada.emulateMedia({ colorScheme: 'dark' });
  await ada.screenshot({ path: join(artifacts, 'files-desktop-gallery-dark.png') });
  await ada.emulateMedia({ colorScheme: 'light' });
}

/** Waits for the service worker; a reload then puts the page under its control. */
async function underServiceWorker(page) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.reload();
  await eventually('the service worker to control the page', () =>
    page.evaluate(() => navigator.serviceWorker.controller !== null),
  );
}

async function installable({ baseUrl }) {
  // Contexts from browser.newContext() are incognito, where Chromium never offers to install
  // an app ("in-incognito"); a persistent profile is what a person's browser is.
  const profile = await mkdtemp(join(tmpdir(), 'roomkit-pwa-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    baseURL: baseUrl,
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    await underServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const { url, errors } = await cdp.send('Page.getAppManifest');
    check(url === `${baseUrl}/manifest.webmanifest`, `the manifest is at ${url}`);
    check(errors.length === 0, `manifest errors: ${JSON.stringify(errors)}`);
    // Chromium checks the icons asynchronously after the manifest; give it a moment.
    let installabilityErrors = [];
    await eventually('Chromium to find the app installable', async () => {
      ({ installabilityErrors } = await cdp.send('Page.getInstallabilityErrors'));
      return installabilityErrors.length === 0;
    }).catch(() => {
      throw new Error(
        `Chromium would not install the app: ${JSON.stringify(installabilityErrors)}`,
      );
    });
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
  const manifest = await (await fetch(`${baseUrl}/manifest.webmanifest`)).json();
  const sizes = manifest.icons.filter((icon) => icon.type === 'image/png').map((i) => i.sizes);
  check(sizes.includes('192x192') && sizes.includes('512x512'), `icon sizes: ${sizes}`);
  check(
    manifest.share_target?.action === '/share-target' &&
      manifest.share_target.params.files[0].name === 'files',
    'the manifest has no share_target for files',
  );
  check(
    JSON.stringify(manifest.share_target.params.files[0].accept) === '["*/*"]',
    'the share target does not take every kind of file',
  );
}

/** Posts files to /share-target the way a share sheet does: a multipart form navigation. */
async function shareFromAnotherApp(page, files, fields) {
  await page.evaluate((fields) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.enctype = 'multipart/form-data';
    form.action = '/share-target';
    form.id = 'share-sheet';
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.append(input);
    }
    const input = document.createElement('input');
    input.type = 'file';
    input.name = 'files';
    input.multiple = true;
    form.append(input);
    document.body.append(form);
  }, fields);
  await page.setInputFiles('#share-sheet input[type=file]', files);
  await page.evaluate(() => document.getElementById('share-sheet').submit());
}

async function shareTarget({ world, artifacts }) {
  const { ada, grace, roomId, roomName } = world;
  await underServiceWorker(grace);
  const sunset = await jpeg('sunset.jpg', 1600, 1067, SUNSET);
  await shareFromAnotherApp(grace, sunset, { title: 'Sunset', text: 'From the beach' });
  await grace.waitForURL((url) => url.pathname === '/share');
  await expectVisible(grace.getByRole('heading', { name: 'Share this photo' }), 'the share page');
  await expectImageLoaded(grace.getByRole('img', { name: 'sunset.jpg' }), 'the shared photo');
  const room = grace.getByRole('button', { name: new RegExp(`^${roomName}\\s*as Grace$`) });
  await expectVisible(room, `"${roomName}" with Grace's name among the rooms to share to`);
  await grace.screenshot({ path: join(artifacts, 'files-phone-share.png') });

  await room.click();
  await grace.waitForURL((url) => url.pathname === `/r/${roomId}`);
  await showFiles(grace);
  await expectImageLoaded(imageIn(filesOf(grace), 'sunset.jpg'), 'the shared photo in the room');
  await expectImageLoaded(imageIn(filesOf(ada), 'sunset.jpg'), 'the shared photo, for Ada');
  await expectMessage(ada, 'Sunset\nFrom the beach', 'Ada (the shared text)');

  // The share is forgotten once it is in the room.
  await grace.goto('/share');
  await expectVisible(
    grace.getByRole('heading', { name: 'Nothing to share' }),
    '"Nothing to share"',
  );
}

async function offlineShell({ world }) {
  const { grace, phone } = world;
  try {
    await phone.setOffline(true);
    const response = await grace.goto('/');
    check(response?.fromServiceWorker(), 'the offline page did not come from the service worker');
    await expectVisible(
      button(grace, 'Create room'),
      'the home page, offline, from the cached shell',
    );
  } finally {
    await phone.setOffline(false);
  }
}

async function shareWithoutServiceWorker({ browser, baseUrl, problems }) {
  const context = await newPhone(browser, baseUrl, { serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    watch(page, 'phone without a service worker', problems);
    await page.goto('/');
    await shareFromAnotherApp(page, await jpeg('lost.jpg', 200, 100), {});
    await page.waitForURL((url) => url.pathname === '/share');
    check(
      new URL(page.url()).searchParams.get('status') === 'no-service-worker',
      `landed on ${page.url()}`,
    );
    await expectVisible(
      page.getByRole('heading', { name: 'What you shared did not arrive' }),
      'the explanation',
    );
  } finally {
    await context.close();
  }
}

export const journeys = [
  {
    name: 'a photo uploaded on a desktop appears in the gallery on a phone',
    run: photoFromDesktopInPhoneGallery,
  },
  { name: 'files dropped on the room or pasted are uploaded', run: dropAndPaste },
  { name: 'the lightbox opens, pages by key and swipe, downloads and closes', run: lightbox },
  {
    name: 'refused files are explained, and uploads queue, show progress and cancel',
    run: refusedAndCancelled,
  },
  { name: 'the app is an installable PWA with a share target', run: installable },
  { name: 'a photo shared from another app lands in the chosen room', run: shareTarget },
  { name: 'the app starts offline from the cached shell', run: offlineShell },
  { name: 'a share that reaches the server explains what to do', run: shareWithoutServiceWorker },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { desktop: world.ada, phone: world.grace };
}
