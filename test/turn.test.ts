/**
 * TURN through the real coturn (Debian's `coturn`): the credentials Roomkit hands a member
 * allocate a relay, wrong or expired ones do not, and coturn set up with the `denied-peer-ip`
 * lines of docs/operations.md refuses to relay to a private address. The documented lines are the
 * ones the code derives from Roomkit's own address policy.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { turnCredential } from '../src/server/calls/iceServers.js';
import { coturnDeniedPeers } from '../src/server/core/privateAddresses.js';
import { api, freePort, onCleanup, roomWith, startServer, waitFor } from './helpers.js';
import { lacks, programPath } from './requirements.js';

const SECRET = 'turn-shared-secret-for-tests';

/** Starts coturn on a free port of 127.0.0.1 with the shared secret; stopped after the test. */
async function startCoturn(extraLines: string[] = []): Promise<number> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'roomkit-coturn-'));
  const config = join(dir, 'turnserver.conf');
  await writeFile(
    config,
    [
      `listening-port=${port}`,
      'listening-ip=127.0.0.1',
      'relay-ip=127.0.0.1',
      'use-auth-secret',
      `static-auth-secret=${SECRET}`,
      'realm=roomkit.test',
      'no-cli',
      'no-tls',
      'no-dtls',
      'min-port=49200',
      'max-port=49400',
      `pidfile=${join(dir, 'turnserver.pid')}`,
      'no-stdout-log',
      ...extraLines,
    ].join('\n'),
  );
  const child = spawn(programPath('coturn')!, ['-c', config], { stdio: 'ignore' });
  onCleanup(() => {
    child.kill('SIGKILL');
  });
  // Listening once its TCP listener takes connections (its log is buffered in a pipe).
  await waitFor(() => accepts(port), 10_000, 'coturn to listen');
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs turnutils_uclient against coturn with these credentials; its exit code and output. */
function uclient(port: number, username: string, password: string, extra: string[]) {
  const result = spawnSync(
    'turnutils_uclient',
    ['-p', String(port), '-u', username, '-w', password, '-n', '1', ...extra, '127.0.0.1'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the address classes coturn is told to refuse', () => {
  it('are in docs/operations.md exactly as the code derives them', async () => {
    const docs = await readFile(new URL('../docs/operations.md', import.meta.url), 'utf8');
    const documented = docs.split('\n').filter((line) => line.startsWith('denied-peer-ip='));
    expect(documented).toEqual(coturnDeniedPeers());
    expect(documented).toContain('denied-peer-ip=169.254.0.0-169.254.255.255');
    expect(documented).toContain('denied-peer-ip=::ffff:0:0-::ffff:ffff:ffff');
  });
});

describe.skipIf(lacks('coturn'))('TURN through coturn', { timeout: 60_000 }, () => {
  it('allocates a relay with the credentials Roomkit hands a member, and not with wrong or expired ones', async () => {
    // Peers on loopback are allowed here: both test clients relay to each other on 127.0.0.1.
    const port = await startCoturn(['allow-loopback-peers']);
    const server = await startServer({
      ICE_SERVERS: JSON.stringify([`turn:127.0.0.1:${port}?transport=udp`]),
      TURN_SECRET: SECRET,
    });
    const { room, members } = await roomWith(server, 'Ada');
    const { body } = await api(server, 'GET', `/api/rooms/${room.id}/ice-servers`, {
      token: members[0]!.token,
    });
    const [turn] = body.iceServers;
    expect(turn.username).toMatch(new RegExp(`^\\d+:${members[0]!.member.id}$`));

    const relayed = uclient(port, turn.username, turn.credential, ['-y']);
    expect(relayed.output).toMatch(/tot_recv_msgs=[1-9]/);
    expect(relayed.status).toBe(0);

    const wrong = uclient(port, turn.username, 'not-the-password', ['-y']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toMatch(/Cannot complete Allocation/);

    const anHourAgo = Date.now() - 2 * 3600 * 1000;
    const expired = turnCredential(SECRET, members[0]!.member.id, anHourAgo);
    const late = uclient(port, expired.username, expired.credential, ['-y']);
    expect(late.status).not.toBe(0);
    expect(late.output).toMatch(/Cannot complete Allocation/);
  });

  it('refuses to relay to a private address once given the documented denied-peer-ip lines', async () => {
    const port = await startCoturn(coturnDeniedPeers());
    const { username, credential } = turnCredential(SECRET, 'member-1', Date.now());
    const toLoopback = uclient(port, username, credential, ['-e', '127.0.0.1']);
    expect(toLoopback.output).toMatch(/403 \(Forbidden IP\)/);
    const toPrivate = uclient(port, username, credential, ['-e', '10.1.2.3']);
    expect(toPrivate.output).toMatch(/403 \(Forbidden IP\)/);
  });
});
