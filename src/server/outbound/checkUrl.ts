import { isIPv4 } from 'node:net';
import { classifyAddress } from './addressPolicy.js';
import { refused } from './outboundErrors.js';

/** What any host may be fetched on. */
export const DEFAULT_PORTS: readonly number[] = [80, 443];

export interface UrlRules {
  /** Ports any host may be fetched on (80 and 443). */
  ports: ReadonlySet<number>;
  /** FETCH_ALLOW_HOSTS, as `host:port` keys (allowedHostKeys). */
  allowed: ReadonlySet<string>;
}

export interface CheckedUrl {
  /** The URL as the WHATWG parser normalised it: what is fetched, never the caller's string. */
  url: URL;
  /**
   * A FETCH_ALLOW_HOSTS entry: its addresses are not checked (an intranet the operator named).
   * Only the host and port named are: a redirect elsewhere is checked again like any URL.
   */
  allowed: boolean;
}

/**
 * The checks every URL passes before a connection is opened, for the first request and again
 * for every redirect: http or https; no username or password; a port of `rules.ports` unless the
 * host:port is allowed; and an IP literal checked against the address policy here, since the
 * connection's lookup is never asked about one (undici#2019). Odd spellings of IPv4
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`) are dotted quads once the URL is parsed, and
 * this check only ever sees the parsed host. Throws `forbidden_address` with the reason.
 */
export function checkUrl(input: string | URL, rules: UrlRules): CheckedUrl {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw refused('url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('scheme');
  if (url.username !== '' || url.password !== '') throw refused('credentials');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  if (rules.allowed.has(`${url.hostname}:${port}`)) return { url, allowed: true };
  if (!rules.ports.has(port)) throw refused('port');
  const literal = literalAddress(url.hostname);
  if (literal !== undefined && classifyAddress(literal).forbidden) throw refused('private');
  return { url, allowed: false };
}

/** The IP address a parsed URL's hostname is, without IPv6's brackets; undefined for a name. */
export function literalAddress(hostname: string): string | undefined {
  if (hostname.startsWith('[') && hostname.endsWith(']')) return hostname.slice(1, -1);
  return isIPv4(hostname) ? hostname : undefined;
}

/**
 * FETCH_ALLOW_HOSTS entries (`host` or `host:port`) as the keys checkUrl looks up: a host
 * without a port is allowed on 80 and 443, one with a port on that port only. Hosts are
 * normalised as URLs are (`127.1` is `127.0.0.1`). Throws on an entry that is not `host[:port]`.
 */
export function allowedHostKeys(entries: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const entry of entries) {
    const host = parseAllowedHost(entry);
    if (!host) throw new Error(`"${entry}" is not host or host:port`);
    for (const port of host.port === undefined ? DEFAULT_PORTS : [host.port]) {
      keys.add(`${host.hostname}:${port}`);
    }
  }
  return keys;
}

/** `host` or `host:port` as the URL parser sees it; undefined if it is anything more. */
export function parseAllowedHost(
  entry: string,
): { hostname: string; port: number | undefined } | undefined {
  if (/[/?#@\\\s]/.test(entry)) return undefined;
  let http: URL;
  let https: URL;
  try {
    http = new URL(`http://${entry}`);
    https = new URL(`https://${entry}`);
  } catch {
    return undefined;
  }
  if (http.hostname === '') return undefined;
  // The parser drops a scheme's default port: `:80` shows only under https, `:443` under http.
  const port = http.port || https.port;
  return { hostname: http.hostname, port: port === '' ? undefined : Number(port) };
}
