/* global document, window, getComputedStyle -- used in page.evaluate() callbacks, which run in the browser. */
/**
 * The shared code between a desktop (light theme) and a phone (dark theme): both open the
 * editor, type and see each other's text and cursors, switch the language for everyone, undo
 * only their own edits, and meet "Run" and the Output. The page's strict Content-Security-Policy
 * must hold: the editor is styled and no violation is reported. On the desktop the editor and
 * the output share the width through a separator and the chat sits beside them (it can be
 * hidden); on the phone long lines wrap. The journeys share the room of the first.
 */
import { join } from 'node:path';
import {
  button,
  check,
  expectAccessible,
  eventually,
  EXPECT_MS,
  expectVisible,
  messagesOf,
  textbox,
  newDesktop,
  newPhone,
  watch,
} from './lib.mjs';

const codeOf = (page) => page.getByRole('region', { name: 'Code', exact: true });
const outputOf = (page) => page.getByRole('region', { name: 'Output', exact: true });
const editorOf = (page) => codeOf(page).locator('.cm-content');
const languageOf = (page) => page.getByRole('combobox', { name: 'Language', exact: true });
const codeText = (page) => editorOf(page).evaluate((content) => content.innerText);

/**
 * CodeMirror catches what its extensions throw and reports it on the console (disabling the
 * extension): such a report is a problem of the journey, like an uncaught error.
 */
function reportEditorCrashes(page, name, problems) {
  page.on('console', (message) => {
    if (message.type() === 'error' && /CodeMirror|Mark decorations/.test(message.text())) {
      problems.push(`${name}: the editor reported ${message.text()}`);
    }
  });
}

/** Every CSP violation the page reports becomes a problem of the journey. */
async function reportViolations(context, name, problems) {
  await context.exposeBinding('reportCspViolation', (_source, violation) =>
    problems.push(`${name}: Content-Security-Policy violation: ${violation}`),
  );
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      void window.reportCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} ${event.sample ?? ''}`,
      );
    });
  });
}

async function openCode(page, who) {
  await page.getByRole('tab', { name: 'Code', exact: true }).click();
  await expectVisible(codeOf(page), `region "Code" for ${who}`);
  await eventually(`${who}'s code to say "Synced"`, async () =>
    (await codeOf(page).getByRole('status').innerText()).includes('Synced'),
  );
  await eventually(
    `${who}'s editor to be editable`,
    async () => (await editorOf(page).getAttribute('contenteditable')) === 'true',
  );
}

/** The look CodeMirror's themes give the editor: without its stylesheets none of it holds. */
function editorLook(page) {
  return codeOf(page).evaluate((region) => {
    const host = region.querySelector('.code-editor');
    const editor = host?.shadowRoot?.querySelector('.cm-editor');
    const gutters = editor?.querySelector('.cm-gutters');
    const content = editor?.querySelector('.cm-content');
    const lineNumbers = [...(editor?.querySelectorAll('.cm-lineNumbers .cm-gutterElement') ?? [])];
    if (!editor || !gutters || !content) return null;
    const style = getComputedStyle(editor);
    return {
      display: style.display,
      background: style.backgroundColor,
      height: editor.getBoundingClientRect().height,
      gutterDisplay: getComputedStyle(gutters).display,
      gutterWidth: gutters.getBoundingClientRect().width,
      gutterBackground: getComputedStyle(gutters).backgroundColor,
      fontSize: parseFloat(getComputedStyle(content).fontSize),
      fontFamily: getComputedStyle(content).fontFamily,
      lineNumbers: lineNumbers.map((element) => element.textContent),
      inlineStyleElements: document.querySelectorAll('style').length,
    };
  });
}

/** Relative luminance of an `rgb(…)` colour, 0 (black) to 1 (white). */
function luminance(rgb) {
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? []).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

async function editTogether({ browser, baseUrl, artifacts, world, problems }) {
  const desktop = await newDesktop(browser, baseUrl);
  const phone = await newPhone(browser, baseUrl);
  for (const context of [desktop, phone]) context.setDefaultTimeout(EXPECT_MS);
  await reportViolations(desktop, 'desktop', problems);
  await reportViolations(phone, 'phone', problems);
  const ada = await desktop.newPage();
  const grace = await phone.newPage();
  watch(ada, 'desktop', problems);
  watch(grace, 'phone', problems);
  reportEditorCrashes(ada, 'desktop', problems);
  reportEditorCrashes(grace, 'phone', problems);
  Object.assign(world, { desktop, phone, ada, grace });
  const editorChunks = [];
  ada.on('request', (request) => {
    if (/\/assets\/CodePanel-[^/]+\.js$/.test(request.url())) editorChunks.push(request.url());
  });

  await ada.goto('/');
  await button(ada, 'Create room').click();
  await ada.waitForURL(/\/r\/[A-Za-z0-9_-]{22,64}$/);
  const roomId = new URL(ada.url()).pathname.split('/').pop();
  await textbox(ada, 'Display name').fill('Ada');
  await button(ada, 'Join').click();
  await expectVisible(messagesOf(ada), 'region "Messages" for Ada');
  await grace.goto(`/r/${roomId}`);
  await textbox(grace, 'Display name').fill('Grace');
  await button(grace, 'Join').click();
  await expectVisible(messagesOf(grace), 'region "Messages" for Grace');
  world.roomId = roomId;
  check(editorChunks.length === 0, 'the editor was loaded with the chat, before anyone opened it');

  await openCode(ada, 'Ada');
  check(editorChunks.length === 1, 'opening the code did not load the editor on demand');
  // On a wide screen the chat stays beside the code.
  await expectVisible(messagesOf(ada), 'region "Messages" beside the code on the desktop');
  await openCode(grace, 'Grace');

  // Styled under `style-src 'self'`: CodeMirror's theme and gutters apply, from constructed
  // stylesheets rather than <style> elements (which the policy would block).
  for (const [page, who] of [
    [ada, 'Ada'],
    [grace, 'Grace'],
  ]) {
    const look = await editorLook(page);
    check(look !== null, `${who}'s editor has no .cm-editor, .cm-gutters or .cm-content`);
    check(look.display === 'flex', `${who}'s .cm-editor is not styled (display ${look.display})`);
    check(
      look.gutterDisplay === 'flex' && look.gutterWidth > 20 && look.lineNumbers.includes('1'),
      `${who}'s line-number gutter is not showing: ${JSON.stringify(look)}`,
    );
    check(look.fontSize >= 16, `${who}'s editor text is ${look.fontSize}px (iOS zooms below 16)`);
    check(!/^"?Times/.test(look.fontFamily), `${who}'s editor is not in a monospace font`);
    check(look.inlineStyleElements === 0, `${who}'s page has <style> elements`);
    world[`${who}Look`] = look;
  }
  check(
    luminance(world.AdaLook.background) > 0.8 && luminance(world.GraceLook.background) < 0.25,
    `the editor does not follow the colour scheme: light ${world.AdaLook.background}, dark ${world.GraceLook.background}`,
  );
  check(world.GraceLook.height >= 300, `the phone's editor is ${world.GraceLook.height}px tall`);

  // Ada types a function; Grace sees it.
  await editorOf(ada).click();
  await ada.keyboard.type('function greet(name) {');
  await ada.keyboard.press('Enter');
  await ada.keyboard.type("return 'Hello, ' + name;");
  await ada.keyboard.press('Enter');
  await ada.keyboard.type('}');
  await eventually('Grace to see the function Ada typed', async () => {
    const text = await codeText(grace);
    return text.includes('function greet(name) {') && text.includes("return 'Hello, ' + name;");
  });

  // Grace adds a line at the end; Ada sees it.
  await editorOf(grace).click();
  await grace.keyboard.press('Control+End');
  await grace.keyboard.press('Enter');
  await grace.keyboard.insertText("greet('Grace');");
  await eventually('Ada to see the line Grace added', async () =>
    (await codeText(ada)).includes("greet('Grace');"),
  );

  // Ada sees where Grace is, in Grace's colour, and her name beside the line, not over the code.
  const caret = codeOf(ada).locator('.cm-ySelectionCaret');
  const label = codeOf(ada).locator('.cm-yName', { hasText: 'Grace' });
  await expectVisible(caret, 'Grace’s cursor in Ada’s editor');
  const caretColour = await caret
    .first()
    .evaluate((node) => getComputedStyle(node).backgroundColor);
  check(
    caretColour !== 'rgba(0, 0, 0, 0)',
    'Grace’s cursor has no colour (its style was blocked?)',
  );
  // Her name shows while she types, then fades; it shows again while Ada points at her cursor.
  await grace.keyboard.insertText(' ');
  await eventually('the label "Grace" to show while she types', async () =>
    label.first().evaluate((node) => node.classList.contains('cm-yNameTyping')),
  );
  await eventually('the label "Grace" to fade once she stopped typing', async () =>
    label.first().evaluate((node) => getComputedStyle(node).opacity === '0'),
  );
  await caret.first().hover({ force: true });
  await eventually('the label "Grace" to show while Ada points at her cursor', async () =>
    label.first().evaluate((node) => getComputedStyle(node).opacity === '1'),
  );
  const overlap = await codeOf(ada).evaluate((region) => {
    const root = region.querySelector('.code-editor')?.shadowRoot;
    const element = root?.querySelector('.cm-yName');
    const name = element?.getBoundingClientRect();
    const content = root?.querySelector('.cm-content')?.getBoundingClientRect();
    const hidden = root?.querySelector('.cm-ySelectionCaret')?.getAttribute('aria-hidden');
    if (!element || !name || !content) return null;
    // Whether a box around it cuts it off (a gutter hides what overflows it).
    let clipped = false;
    for (let box = element.parentElement; box && box !== root.host; box = box.parentElement) {
      const edges = box.getBoundingClientRect();
      if (getComputedStyle(box).overflowX !== 'visible') {
        clipped ||= name.left < edges.left - 0.5 || name.right > edges.right + 0.5;
      }
    }
    return { width: name.width, right: name.right, codeLeft: content.left, hidden, clipped };
  });
  check(
    overlap !== null &&
      overlap.width > 20 &&
      !overlap.clipped &&
      overlap.right <= overlap.codeLeft + 0.5,
    `the label "Grace" is not beside the code: ${JSON.stringify(overlap)}`,
  );
  check(overlap.hidden === 'true', 'Grace’s cursor is read out by screen readers');
  await codeOf(ada).screenshot({ path: join(artifacts, 'code-desktop-name.png') });
  await ada.mouse.move(0, 0);
  await expectVisible(codeOf(ada).getByText(/^2 editors$/), '"2 editors" in Ada’s code toolbar');

  await ada.screenshot({ path: join(artifacts, 'code-desktop.png') });
  await grace.screenshot({ path: join(artifacts, 'code-phone.png') });
  await expectAccessible(ada, 'the code view on a desktop');
  await expectAccessible(grace, 'the code view on a phone');
}

async function languageForEveryone({ world }) {
  const { ada, grace } = world;
  check(
    (await languageOf(grace).inputValue()) === 'javascript',
    'a new room’s code is not JavaScript',
  );
  await languageOf(ada).selectOption({ label: 'Python' });
  await eventually(
    'Grace’s language picker to show Python',
    async () => (await languageOf(grace).inputValue()) === 'python',
  );
  const selected = await languageOf(grace).evaluate(
    (select) => select.selectedOptions[0]?.textContent,
  );
  check(selected === 'Python', `Grace’s picker shows ${selected}`);
}

async function undoOnlyOwnEdits({ world }) {
  const { ada, grace } = world;
  await editorOf(grace).click();
  // However many steps Grace's typing took, undoing past them must leave Ada's alone.
  for (let i = 0; i < 5; i++) await grace.keyboard.press('Control+z');
  for (const [page, who] of [
    [grace, 'Grace'],
    [ada, 'Ada'],
  ]) {
    await eventually(`${who} to see Grace’s line undone and Ada’s function kept`, async () => {
      const text = await codeText(page);
      return !text.includes("greet('Grace');") && text.includes("return 'Hello, ' + name;");
    });
  }
}

const statusOf = async (page) => (await codeOf(page).getByRole('status').innerText()).trim();

async function offlineAndBack({ world }) {
  const { ada, grace, phone } = world;
  try {
    await phone.setOffline(true);
    await eventually('Grace’s code to say "Offline"', async () =>
      (await statusOf(grace)).includes('Offline'),
    );
    // Both go on editing while apart: Ada at the end, Grace at the top.
    await editorOf(ada).click();
    await ada.keyboard.press('Control+End');
    await ada.keyboard.press('Enter');
    await ada.keyboard.insertText('// Ada, while Grace was away');
    await editorOf(grace).click();
    await grace.keyboard.press('Control+Home');
    await grace.keyboard.insertText('// Grace, offline\n');
    await phone.setOffline(false);
    await eventually('Grace’s code to say "Synced" again', async () =>
      (await statusOf(grace)).includes('Synced'),
    );
    for (const [page, who] of [
      [ada, 'Ada'],
      [grace, 'Grace'],
    ]) {
      await eventually(`${who} to see both edits made while apart`, async () => {
        const text = await codeText(page);
        return (
          text.startsWith('// Grace, offline') && text.includes('// Ada, while Grace was away')
        );
      });
    }
  } finally {
    await phone.setOffline(false);
  }
}

async function tooLargeToShare({ world }) {
  const { ada, grace } = world;
  const before = await codeText(grace);
  await editorOf(ada).click();
  await ada.keyboard.insertText('x'.repeat(1024 * 1024 + 1));
  await expectVisible(
    codeOf(ada).getByText('The code is too large to share (max 1 MB).', { exact: true }),
    'the size limit explained to Ada',
  );
  check(!(await codeText(ada)).includes('xxxxxxxx'), 'the refused paste stayed in Ada’s editor');
  check((await statusOf(ada)).includes('Synced'), 'Ada lost the shared code over a refused paste');
  // Still shared: a small edit goes through.
  await ada.keyboard.insertText('// still here');
  await eventually('Grace to see Ada’s next edit', async () =>
    (await codeText(grace)).includes('// still here'),
  );
  check(!(await codeText(grace)).includes('xxxxxxxx'), 'Grace got the refused paste');
  check(before.length > 0, 'the code was empty before the paste');
}

async function runAndOutput({ baseUrl, world }) {
  const { ada, grace } = world;
  const languages = await fetch(`${baseUrl}/api/exec/languages`);
  for (const page of [ada, grace]) {
    await expectVisible(outputOf(page), 'region "Output"');
    await expectVisible(textbox(page, 'Input'), 'the textbox "Input" for standard input');
  }
  if (languages.status !== 200) {
    // This server cannot run code: "Run" is there, disabled, and says why.
    for (const [page, who] of [
      [ada, 'Ada'],
      [grace, 'Grace'],
    ]) {
      await expectVisible(button(page, 'Run'), `the "Run" button for ${who}`);
      check(await button(page, 'Run').isDisabled(), `"Run" is enabled for ${who}`);
      await expectVisible(
        codeOf(page).getByText("Code execution isn't available on this server.", { exact: true }),
        `the explanation beside "Run" for ${who}`,
      );
      await expectVisible(
        outputOf(page).getByText('Nothing has run yet.'),
        `the Output's empty state for ${who}`,
      );
    }
    return;
  }
  // The server runs code: Ada runs JavaScript that reads its input; both see what it printed.
  await languageOf(ada).selectOption({ label: 'JavaScript' });
  await editorOf(ada).click();
  await ada.keyboard.press('Control+a');
  // Cleared through the editor first: Chromium's native replace of a highlighted selection
  // carries the old colours over as inline styles, which the page's CSP (rightly) refuses.
  await ada.keyboard.press('Backspace');
  await ada.keyboard.insertText('console.log(readline().toUpperCase())');
  await textbox(ada, 'Input').fill('shared output');
  await button(ada, 'Run').click();
  for (const [page, who] of [
    [ada, 'Ada'],
    [grace, 'Grace'],
  ]) {
    await expectVisible(
      outputOf(page).getByText('SHARED OUTPUT'),
      `${who} to see what the run printed in region "Output"`,
    );
    await expectVisible(outputOf(page).getByText('exit code 0'), `the exit code for ${who}`);
  }
}

/** Alan joins after the run, opens the code and sees the room's last output: who, what, when. */
async function lateJoinerSeesOutput({ browser, baseUrl, world, problems }) {
  if ((await fetch(`${baseUrl}/api/exec/languages`)).status !== 200) return;
  const context = await newDesktop(browser, baseUrl);
  context.setDefaultTimeout(EXPECT_MS);
  try {
    const alan = await context.newPage();
    watch(alan, 'late', problems);
    await alan.goto(`/r/${world.roomId}`);
    await textbox(alan, 'Display name').fill('Linus');
    await button(alan, 'Join').click();
    await expectVisible(messagesOf(alan), 'region "Messages" for Linus');
    await openCode(alan, 'Linus');
    const output = outputOf(alan);
    await expectVisible(output.getByText('SHARED OUTPUT'), 'the last run’s output for Linus');
    await expectVisible(output.getByText('Ada ran JavaScript', { exact: true }), 'who ran it');
    await expectVisible(output.locator('time'), 'when it ran');
    await expectVisible(output.getByText('exit code 0'), 'its exit code');
    await expectAccessible(alan, 'the room’s last output for a late joiner');
  } finally {
    await context.close();
  }
}

/** Ada runs an endless loop: everyone sees "Running… (Ada)", only Ada gets "Stop", and it stops. */
async function stopOwnRun({ baseUrl, world }) {
  if ((await fetch(`${baseUrl}/api/exec/languages`)).status !== 200) return;
  const { ada, grace } = world;
  await editorOf(ada).click();
  await ada.keyboard.press('Control+a');
  await ada.keyboard.press('Backspace');
  await ada.keyboard.insertText('while (true) {}');
  await button(ada, 'Run').click();
  await expectVisible(outputOf(grace).getByText('Running… (Ada)'), '"Running… (Ada)" for Grace');
  await expectVisible(outputOf(ada).getByText('Running… (You)'), '"Running… (You)" for Ada');
  check(
    (await button(outputOf(grace), 'Stop').count()) === 0,
    'Grace was offered "Stop" for Ada’s run',
  );
  const stoppedAt = Date.now();
  await button(outputOf(ada), 'Stop').click();
  for (const [page, who] of [
    [ada, 'Ada'],
    [grace, 'Grace'],
  ]) {
    await expectVisible(
      outputOf(page).getByText('stopped', { exact: true }),
      `"stopped" for ${who}`,
    );
    await expectVisible(outputOf(page).getByText('exit code 137'), `exit code 137 for ${who}`);
  }
  check(Date.now() - stoppedAt < 4000, `the run took ${Date.now() - stoppedAt} ms to stop`);
}

async function editorThatCannotLoad({ browser, baseUrl, world, problems }) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1280, height: 800 },
  });
  try {
    await context.route(/\/assets\/CodePanel-[^/]+\.js$/, (route) =>
      route.abort('internetdisconnected'),
    );
    const page = await context.newPage();
    watch(page, 'unlucky', problems);
    await page.goto(`/r/${world.roomId}`);
    await textbox(page, 'Display name').fill('Alan');
    await button(page, 'Join').click();
    await expectVisible(messagesOf(page), 'region "Messages" for Alan');
    await page.getByRole('tab', { name: 'Code', exact: true }).click();
    await expectVisible(
      page.getByText('The editor could not be loaded.'),
      'an explanation when the editor cannot be fetched',
    );
    await expectVisible(button(page, 'Reload'), 'a "Reload" button');
    // The rest of the room carries on.
    await page.getByRole('tab', { name: 'Chat', exact: true }).click();
    await expectVisible(messagesOf(page), 'region "Messages" after the editor failed');
    await expectVisible(textbox(page, 'Message'), 'the message box after the editor failed');
  } finally {
    await context.close();
  }
}

const separatorOf = (page) => page.getByRole('separator', { name: 'Editor width', exact: true });
const editorWidth = (page) =>
  codeOf(page)
    .locator('.code-editor')
    .evaluate((host) => host.getBoundingClientRect().width);
const shareOf = async (page) => Number(await separatorOf(page).getAttribute('aria-valuenow'));

/**
 * On the desktop the editor takes most of the width, beside the output, and a separator moves
 * between them by keyboard and by pointer, remembered for the next time; the chat beside the
 * code can be hidden (messages that arrive meanwhile are counted on "Show chat") and shown again.
 */
async function desktopLayout({ artifacts, world }) {
  const { ada, grace } = world;
  await expectVisible(codeOf(ada), 'region "Code" for Ada');
  const separator = separatorOf(ada);
  await expectVisible(separator, 'the separator "Editor width" between the editor and the output');
  check(
    (await separator.getAttribute('aria-orientation')) === 'vertical',
    'the separator is not vertical',
  );
  const [min, max, start] = await Promise.all([
    separator.getAttribute('aria-valuemin'),
    separator.getAttribute('aria-valuemax'),
    shareOf(ada),
  ]);
  check(Number(min) > 0 && Number(max) < 100, `the separator's bounds are ${min}–${max}`);
  const output = await outputOf(ada).boundingBox();
  const editor = await codeOf(ada).locator('.code-editor').boundingBox();
  check(
    output && editor && output.x >= editor.x + editor.width && editor.width > output.width,
    `the editor does not take most of the width beside the output: ${JSON.stringify({ editor, output })}`,
  );

  // The keyboard: ← narrows the editor, → widens it.
  await separator.focus();
  const before = await editorWidth(ada);
  await ada.keyboard.press('ArrowLeft');
  await eventually('ArrowLeft to narrow the editor', async () => (await editorWidth(ada)) < before);
  check((await shareOf(ada)) < start, 'aria-valuenow did not follow ArrowLeft');
  const narrowed = await editorWidth(ada);
  await ada.keyboard.press('ArrowRight');
  await ada.keyboard.press('ArrowRight');
  await eventually(
    'ArrowRight to widen the editor',
    async () => (await editorWidth(ada)) > narrowed,
  );

  // The pointer: dragged 120 px to the left, the editor narrows with it.
  const box = await separator.boundingBox();
  const dragFrom = await editorWidth(ada);
  await ada.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await ada.mouse.down();
  await ada.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2, { steps: 5 });
  await ada.mouse.up();
  await eventually('dragging the separator to narrow the editor', async () => {
    const width = await editorWidth(ada);
    return width < dragFrom - 80 && width > dragFrom - 160;
  });
  const dragged = await shareOf(ada);
  const remembered = await ada.evaluate(() => localStorage.getItem('roomkit:codeSplit'));
  check(remembered === String(dragged), `the split was not remembered (${remembered})`);

  // Hide the chat: the code takes its width; a message meanwhile is counted on "Show chat".
  const withChat = await editorWidth(ada);
  const hide = button(ada, 'Hide chat');
  check((await hide.getAttribute('aria-expanded')) === 'true', '"Hide chat" is not expanded');
  await hide.click();
  await eventually(
    'region "Messages" to be hidden',
    async () => !(await messagesOf(ada).isVisible()),
  );
  await eventually(
    'the editor to take the chat’s width',
    async () => (await editorWidth(ada)) > withChat + 100,
  );
  await grace.getByRole('tab', { name: 'Chat', exact: true }).click();
  await textbox(grace, 'Message').fill('Look at line 2');
  await button(grace, 'Send').click();
  const show = ada.getByRole('button', { name: /^Show chat/ });
  await eventually('"Show chat" to count the message that came while hidden', async () =>
    /^Show chat\s*1 unread$/.test((await show.textContent()) ?? ''),
  );
  check((await show.getAttribute('aria-expanded')) === 'false', '"Show chat" is expanded');
  await ada.emulateMedia({ colorScheme: 'dark' });
  await ada.screenshot({ path: join(artifacts, 'code-desktop-dark-chat-hidden.png') });
  await expectAccessible(ada, 'the code with the chat hidden, dark, on a desktop');
  await ada.emulateMedia({ colorScheme: 'light' });

  await show.click();
  await expectVisible(messagesOf(ada), 'region "Messages" again after "Show chat"');
  await expectVisible(messagesOf(ada).getByText('Look at line 2'), 'the message beside the code');
  const code = await codeOf(ada).boundingBox();
  const messages = await messagesOf(ada).boundingBox();
  check(
    code && messages && messages.x >= code.x + code.width - 1,
    `the chat is not beside the code: ${JSON.stringify({ code, messages })}`,
  );
  check(
    (await button(ada, 'Hide chat').textContent())?.trim() === 'Hide chat',
    'the count stayed on the toggle after the chat was shown',
  );
  await ada.screenshot({ path: join(artifacts, 'code-desktop-split.png') });
  await expectAccessible(ada, 'the code with the chat beside it on a desktop');

  // Remembered for the next time the code opens on this browser.
  await ada.reload();
  await expectVisible(messagesOf(ada), 'region "Messages" after a reload');
  await openCode(ada, 'Ada');
  check((await shareOf(ada)) === dragged, 'the split was not the same after a reload');
  await grace.getByRole('tab', { name: 'Code', exact: true }).click();
}

/**
 * On the phone a long line wraps instead of running off the screen, and deleting everything
 * while the other member has text selected (up to the start of the last line) breaks nothing.
 */
async function phoneLayout({ artifacts, world }) {
  const { ada, grace } = world;
  await expectVisible(codeOf(grace), 'region "Code" for Grace');
  check((await separatorOf(grace).count()) === 0, 'the phone has a separator beside the editor');
  await editorOf(grace).click();
  await grace.keyboard.press('Control+End');
  await grace.keyboard.press('Enter');
  await grace.keyboard.insertText(
    `const note = '${'a line far longer than a phone is wide '.repeat(4).trim()}';\n`,
  );
  await eventually('Ada to see Grace’s long line', async () =>
    (await codeText(ada)).includes('far longer than a phone'),
  );
  const scroll = () =>
    codeOf(grace).evaluate((region) => {
      const root = region.querySelector('.code-editor')?.shadowRoot;
      const scroller = root?.querySelector('.cm-scroller');
      return scroller
        ? { scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth }
        : null;
    });
  const wrapped = await scroll();
  check(
    wrapped !== null && wrapped.scrollWidth <= wrapped.clientWidth,
    `the long line does not wrap on the phone: ${JSON.stringify(wrapped)}`,
  );
  // Turned into a wide screen the line runs on (scrolled sideways), and wraps again after.
  await grace.setViewportSize({ width: 1000, height: 844 });
  await eventually('the long line to stop wrapping on a wide screen', async () => {
    const wide = await scroll();
    return wide !== null && wide.scrollWidth > wide.clientWidth;
  });
  await grace.setViewportSize({ width: 390, height: 844 });
  await eventually('the long line to wrap again on the phone', async () => {
    const narrow = await scroll();
    return narrow !== null && narrow.scrollWidth <= narrow.clientWidth;
  });
  await grace.screenshot({ path: join(artifacts, 'code-phone-wrapped.png') });

  // Ada selects everything (the code ends with a newline, so her selection ends where the
  // empty last line starts); Grace sees it, then selects all and deletes.
  await editorOf(ada).click();
  await ada.keyboard.press('Control+a');
  await eventually(
    'Grace to see Ada’s selection',
    async () => (await codeOf(grace).locator('.cm-ySelection').count()) > 0,
  );
  await editorOf(grace).click();
  await grace.keyboard.press('Control+a');
  await grace.keyboard.press('Backspace');
  for (const [page, who] of [
    [ada, 'Ada'],
    [grace, 'Grace'],
  ]) {
    // The other's caret (word joiners around it) is all that is left.
    await eventually(
      `${who}’s code to be empty`,
      async () => (await codeText(page)).replaceAll('\u2060', '').trim() === '',
    );
  }
  // Still editing together afterwards.
  await grace.keyboard.insertText('print("again")');
  await eventually('Ada to see Grace’s next edit', async () =>
    (await codeText(ada)).includes('print("again")'),
  );
  await expectAccessible(grace, 'the code on a phone after deleting everything');
}

export const journeys = [
  { name: 'a desktop and a phone edit the same code and see each other', run: editTogether },
  { name: 'the language picked on one screen switches everyone’s', run: languageForEveryone },
  { name: 'undo takes back only one’s own edits', run: undoOnlyOwnEdits },
  { name: 'edits made offline merge when the phone is back', run: offlineAndBack },
  { name: 'a paste over 1 MB is refused and explained', run: tooLargeToShare },
  { name: 'when the editor cannot be fetched, the room carries on', run: editorThatCannotLoad },
  { name: '"Run" and the Output say what this server can run', run: runAndOutput },
  { name: 'who joins later sees the room’s last output', run: lateJoinerSeesOutput },
  { name: 'one’s own run can be stopped, and everyone sees it running', run: stopOwnRun },
  { name: 'on a desktop the editor, output and chat share the width', run: desktopLayout },
  { name: 'on a phone long lines wrap and deleting everything is safe', run: phoneLayout },
];

/** Screenshots of the pages still open when a journey fails. */
export function pagesOf(world) {
  return { desktop: world.ada, phone: world.grace };
}
