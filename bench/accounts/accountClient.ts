/**
 * An account client for the benchmarks, over fetch as a browser's page would call the API
 * (docs/api.md, "Accounts"): register, sign in, sign out, each with the `rk_auth` cookie.
 */

/** The benchmarks' account: a password the server's rules accept. */
export const USERNAME = 'Bench Reader';
export const PASSWORD = 'a long bench passphrase 42';

/**
 * Sign-in and registration limits loose enough that the benchmarks measure the work, not the
 * limiter (docs/operations.md, "Limits"): every request here comes from one address and names
 * one account.
 */
export const RELAXED_ACCOUNT_LIMITS: Record<string, string> = {
  RATE_LIMIT_LOGIN_PER_ADDRESS: '1000000/1',
  RATE_LIMIT_LOGIN_PER_USERNAME: '1000000/1',
  RATE_LIMIT_REGISTER_PER_ADDRESS: '1000000/1',
};

/** The `rk_auth=…` pair of a response's Set-Cookie; throws when there is none. */
function authCookie(response: Response): string {
  const set = response.headers.getSetCookie().find((c) => c.startsWith('rk_auth='));
  if (set === undefined) throw new Error(`no rk_auth cookie (status ${response.status})`);
  return set.split(';')[0] as string;
}

async function postAuth(base: string, path: string, body: unknown, cookie?: string) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    // Fastify refuses a JSON content type with an empty body.
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(cookie === undefined ? {} : { cookie }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Registers the benchmarks' account; resolves with its session cookie. */
export async function register(base: string): Promise<string> {
  const response = await postAuth(base, '/api/auth/register', {
    username: USERNAME,
    password: PASSWORD,
  });
  if (response.status !== 201) {
    throw new Error(`register: ${response.status} ${await response.text()}`);
  }
  return authCookie(response);
}

/** One sign-in with the right password: its status (the body read to the end). */
export async function loginStatus(base: string): Promise<number> {
  const response = await postAuth(base, '/api/auth/login', {
    username: USERNAME,
    password: PASSWORD,
  });
  await response.arrayBuffer();
  return response.status;
}

/** Signs in; resolves with the new session's cookie. */
export async function login(base: string): Promise<string> {
  const response = await postAuth(base, '/api/auth/login', {
    username: USERNAME,
    password: PASSWORD,
  });
  if (response.status !== 200) {
    throw new Error(`login: ${response.status} ${await response.text()}`);
  }
  await response.arrayBuffer();
  return authCookie(response);
}

/** Signs the cookie's session out (204). */
export async function logout(base: string, cookie: string): Promise<void> {
  const response = await postAuth(base, '/api/auth/logout', undefined, cookie);
  await response.arrayBuffer();
  if (response.status !== 204) throw new Error(`logout: ${response.status}`);
}

/** Joins a room as the cookie's account (no display name); resolves with its member token. */
export async function joinAsAccount(base: string, roomId: string, cookie: string): Promise<string> {
  const response = await postAuth(base, '/api/rooms/join', { roomId }, cookie);
  const body = (await response.json()) as { token?: string };
  if (response.status !== 200 || body.token === undefined) {
    throw new Error(`join: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}
