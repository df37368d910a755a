/**
 * Debian's Janus for the SFU tests: started on a free port of 127.0.0.1 with only the HTTP
 * transport and the VideoRoom plugin, an API secret, and a configuration folder of its own;
 * stopped after the test. Suites that use it skip without it: `describe.skipIf(lacks('janus'))`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, onCleanup, waitFor } from './helpers.js';
import { programPath } from './requirements.js';

export const JANUS_API_SECRET = 'janus-api-secret-of-the-tests';
/** Where Debian puts Janus's plugins: /usr/lib/<multiarch triplet>/janus. */
const LIBRARIES =
  readdirSync('/usr/lib', { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join('/usr/lib', entry.name, 'janus'))
    .find((dir) => existsSync(join(dir, 'plugins', 'libjanus_videoroom.so'))) ??
  '/usr/lib/x86_64-linux-gnu/janus';

/** Every plugin of `kind` Janus finds in its folder but `keep`, as its `disable` list. */
function allBut(kind: 'plugins' | 'transports', keep: string): string {
  return readdirSync(join(LIBRARIES, kind))
    .filter((name) => name.endsWith('.so') && name !== keep)
    .join(',');
}

/** Starts Janus; resolves with its HTTP API's URL once it answers. */
export async function startJanus(): Promise<string> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'roomkit-janus-'));
  const rtp = 20_000 + (port % 20) * 1000;
  await writeFile(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${LIBRARIES}/plugins"
  transports_folder = "${LIBRARIES}/transports"
  events_folder = "${LIBRARIES}/events"
  loggers_folder = "${LIBRARIES}/loggers"
  debug_level = 3
  api_secret = "${JANUS_API_SECRET}"
}
media: { rtp_port_range = "${rtp}-${rtp + 999}" }
nat: { ice_ignore_list = "vmnet" }
plugins: { disable = "${allBut('plugins', 'libjanus_videoroom.so')}" }
transports: { disable = "${allBut('transports', 'libjanus_http.so')}" }
loggers: { disable = "libjanus_jsonlog.so" }
events: { broadcast = false }
`,
  );
  await writeFile(
    join(dir, 'janus.transport.http.jcfg'),
    `general: { json = "compact", base_path = "/janus", http = true, port = ${port}, ip = "127.0.0.1", https = false }
admin: { admin_http = false }
`,
  );
  await writeFile(join(dir, 'janus.plugin.videoroom.jcfg'), 'general: { }\n');
  const child = spawn(programPath('janus')!, ['-C', join(dir, 'janus.jcfg'), '-F', dir], {
    stdio: 'ignore',
  });
  onCleanup(() => {
    child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}/janus`;
  await waitFor(
    async () => (await fetch(`${url}/info`).catch(() => undefined))?.ok === true,
    20_000,
    'Janus to answer',
  );
  return url;
}
