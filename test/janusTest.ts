/**
 * Debian's Janus for a test: on a free port, stopped after the test. Suites that use it skip
 * without it: `describe.skipIf(lacks('janus'))`.
 */
import { freePort, onCleanup } from './helpers.js';
import { launchJanus } from './janus.js';
import { programPath } from './requirements.js';

export { JANUS_API_SECRET } from './janus.js';

/** Starts Janus for this test; resolves with its HTTP API's URL. */
export async function startJanus(): Promise<string> {
  const janus = await launchJanus(await freePort(), programPath('janus') ?? 'janus');
  onCleanup(janus.stop);
  return janus.url;
}
