import type { Account, AccountSession } from '../../protocol/accounts.js';
import type { AccountRecord, AccountSessionRecord } from '../storage/records.js';

export function accountView(account: AccountRecord): Account {
  return {
    id: account.id,
    username: account.username,
    createdAt: new Date(account.createdAt).toISOString(),
  };
}

export function accountSessionView(
  session: AccountSessionRecord,
  currentSessionId: string,
): AccountSession {
  return {
    id: session.id,
    current: session.id === currentSessionId,
    createdAt: new Date(session.createdAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
    userAgent: session.userAgent,
  };
}
