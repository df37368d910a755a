import { nameKey } from '../core/nameKey.js';
import { MemoryAccountant } from '../core/MemoryAccountant.js';
import type { Config } from '../config.js';
import { openStores } from '../storage/openStores.js';
import { closeStores } from '../storage/Stores.js';
import type { AccountRole } from '../storage/records.js';

export const adminUsage = `usage: roomkit admin grant <username> [--role operator|viewer]
       roomkit admin revoke <username>
       roomkit admin list

Gives an account the admin API (operator: read and act; viewer: read only), takes it back, or
lists the accounts that have it. Uses the database of DATABASE_URL, like the server; a running
server sees the change at the account's next request.
`;

interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * `roomkit admin …`: the one way to make an administrator account (there are no default
 * credentials). Returns the exit code.
 */
export async function adminCommand(args: readonly string[], config: Config, io: Output) {
  const [action, username, ...rest] = args;
  const role = roleOf(rest);
  const known =
    action === 'list'
      ? username === undefined
      : (action === 'grant' || action === 'revoke') && username;
  if (!known || role === undefined || (action !== 'grant' && rest.length > 0)) {
    io.err(adminUsage);
    return 2;
  }
  if (config.databaseUrl === undefined) {
    io.err(
      'roomkit: accounts live in the running server’s memory without DATABASE_URL; ' +
        'set DATABASE_URL to the server’s database\n',
    );
    return 2;
  }
  const { stores } = await openStores(config, {
    accountant: new MemoryAccountant(config.memoryBudgetBytes),
  });
  try {
    if (action === 'list') {
      const admins = await stores.accounts.listAdmins();
      if (admins.length === 0) io.out('No account has the admin API.\n');
      for (const admin of admins) io.out(`${admin.username}\t${admin.role}\n`);
      return 0;
    }
    const account = await stores.accounts.findAccountByNameKey(nameKey(username as string));
    if (!account) {
      io.err(`roomkit: no account is named ${JSON.stringify(username)}\n`);
      return 1;
    }
    const next: AccountRole = action === 'grant' ? role : 'user';
    await stores.accounts.updateRole(account.id, next);
    io.out(
      next === 'user'
        ? `${account.username} no longer has the admin API.\n`
        : `${account.username} is now an admin ${next}.\n`,
    );
    return 0;
  } finally {
    await closeStores(stores);
  }
}

/** `--role <role>` or `--role=<role>` (default operator); undefined for anything else. */
function roleOf(rest: readonly string[]): Exclude<AccountRole, 'user'> | undefined {
  if (rest.length === 0) return 'operator';
  const [first = '', second] = rest;
  const value =
    rest.length === 1 && first.startsWith('--role=')
      ? first.slice('--role='.length)
      : rest.length === 2 && first === '--role'
        ? second
        : undefined;
  return value === 'operator' || value === 'viewer' ? value : undefined;
}
