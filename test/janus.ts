/**
 * Debian's Janus for the SFU tests, journeys and benchmarks: started on a given port of
 * 127.0.0.1 with only the HTTP transport and the VideoRoom plugin, an API secret, and a
 * configuration folder of its own. Nothing here depends on the test runner, so the browser
 * journeys load it too; `startJanus` in test/janusTest.ts stops it after a test.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

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

export interface JanusProcess {
  /** Its HTTP API, e.g. `http://127.0.0.1:8088/janus`. */
  url: string;
  stop: () => void;
}

/** Starts `program` (Debian's janus) on `port`; resolves once its HTTP API answers. */
export async function launchJanus(port: number, program = 'janus'): Promise<JanusProcess> {
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
  const child = spawn(program, ['-C', join(dir, 'janus.jcfg'), '-F', dir], { stdio: 'ignore' });
  const stop = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}/janus`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if ((await fetch(`${url}/info`).catch(() => undefined))?.ok) return { url, stop };
    await sleep(100);
  }
  stop();
  throw new Error(`Janus did not answer on port ${port} within 20 s`);
}
