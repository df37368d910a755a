import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { classifyAddress } from './addressPolicy.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves a hostname to its addresses. The system's (getaddrinfo, with /etc/hosts) by
 * default; tests pass one that maps names to addresses of their choosing.
 */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses.map(({ address, family }) => ({ address, family: toFamily(family) })));
    });
  });

/** A resolved address the policy forbids: the connection is never opened. */
export class ForbiddenAddressError extends Error {
  override name = 'ForbiddenAddressError';
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly what: string,
  ) {
    super(`${hostname} resolved to ${address} (${what})`);
  }
}

/**
 * The `lookup` of every connection the door opens to a hostname: resolves it once, and with
 * `check`, refuses the connection if ANY of its addresses is forbidden — not just skipping that
 * one — so a name that answers with a public and a private address (a rebinding-style mix)
 * reaches neither. The socket connects to the addresses checked here and no other: nothing
 * resolves the name a second time between the check and the connect. (IP literals never come
 * here: checkUrl checks them.)
 */
export function pinnedLookup(resolve: Resolver, check: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (resolved) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = resolved.filter((entry) => !family || entry.family === family);
        if (addresses.length === 0) {
          callback(notFound(hostname), '');
          return;
        }
        if (check) {
          for (const { address } of addresses) {
            const found = classifyAddress(address);
            if (found.forbidden) {
              callback(new ForbiddenAddressError(hostname, address, found.what), '');
              return;
            }
          }
        }
        if (options.all) {
          callback(null, addresses satisfies LookupAddress[]);
        } else {
          const [first] = addresses as [ResolvedAddress];
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
    code: 'ENOTFOUND',
    hostname,
  });
}

function toFamily(family: number | string): 4 | 6 {
  return family === 6 || family === 'IPv6' ? 6 : 4;
}
