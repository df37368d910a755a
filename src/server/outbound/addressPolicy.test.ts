/**
 * The address policy as a table: every class of core/privateAddresses.ts from its first to its
 * last address, the IPv6 forms that carry an IPv4 address, the spellings of a URL's host, and
 * public addresses (classified only: nothing here connects anywhere).
 */
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/AppError.js';
import { privateAddressRanges } from '../core/privateAddresses.js';
import { classifyAddress, isForbiddenAddress } from './addressPolicy.js';
import { allowedHostKeys, checkUrl, DEFAULT_PORTS, parseAllowedHost } from './checkUrl.js';

const rules = { ports: new Set(DEFAULT_PORTS), allowed: new Set<string>() };

/** The reason checkUrl refuses `url` for, or 'allowed'. */
function verdict(url: string, against = rules): string {
  try {
    checkUrl(url, against);
    return 'allowed';
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return `${error.code}:${(error.details as { reason: string }).reason}`;
  }
}

describe('the address policy', () => {
  const edges = privateAddressRanges.flatMap(({ cidr, what }) => {
    const family = ipaddr.parseCIDR(cidr)[0].kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
    return [
      [family.networkAddressFromCIDR(cidr).toString(), cidr, what],
      [family.broadcastAddressFromCIDR(cidr).toString(), cidr, what],
    ] as const;
  });

  it.each(edges)('refuses %s (%s, %s)', (address, cidr) => {
    const found = classifyAddress(address);
    expect(found.forbidden).toBe(true);
    // An IPv4-mapped address is named by its IPv4 class; every other one by its own range.
    if (!cidr.startsWith('::ffff:0:0/')) expect(found).toMatchObject({ cidr });
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['100.100.100.200', 'carrier-grade NAT'], // Alibaba Cloud's metadata service
    ['169.254.169.254', 'link-local, cloud metadata (169.254.169.254)'],
    ['fd00:ec2::254', 'unique local, cloud metadata (fd00:ec2::254)'],
    ['0.0.0.0', 'unspecified, "this network"'],
    ['::', 'unspecified, loopback, IPv4-compatible'],
    ['::1', 'unspecified, loopback, IPv4-compatible'],
    ['fe80::1', 'link-local'],
    ['fec0::1', 'site-local (deprecated, still routed inside some networks)'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved, broadcast'],
    ['192.0.2.1', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    // The IPv4 forms in IPv6: refused as whole ranges, whatever IPv4 address they carry.
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local, cloud metadata (169.254.169.254)'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['::7f00:1', 'unspecified, loopback, IPv4-compatible'],
    ['::ffff:0:7f00:1', 'IPv4-translated'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['64:ff9b::808:808', 'NAT64'],
    ['64:ff9b:1::7f00:1', 'local NAT64'],
    ['2002:7f00:1::', '6to4'],
    ['2002:808:808::', '6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ])('classifies %s as %s', (address, what) => {
    expect(classifyAddress(address)).toMatchObject({ forbidden: true, what });
  });

  it('refuses `::127.0.0.1` whichever way it is read (IPv4-compatible or mapped)', () => {
    expect(isForbiddenAddress('::127.0.0.1')).toBe(true);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '11.0.0.0', // just past 10.0.0.0/8
    '100.128.0.0', // just past carrier-grade NAT
    '172.32.0.0', // just past 172.16.0.0/12
    '2606:4700::1',
    '2a00:1450:4001:80b::200e',
  ])('allows the public address %s', (address) => {
    expect(classifyAddress(address)).toEqual({ forbidden: false });
  });

  it('refuses what is not an address at all', () => {
    expect(isForbiddenAddress('example.com')).toBe(true);
    expect(isForbiddenAddress('')).toBe(true);
  });
});

describe('the URL checks before any connection', () => {
  it.each([
    'http://127.0.0.1/',
    'http://2130706433/', // decimal
    'http://0177.0.0.1/', // octal
    'http://0x7f.0.0.1/', // hex
    'http://0x7f.1/',
    'http://127.1/', // short
    'http://127.0.0.1./', // trailing dot
    'http://[::1]/',
    'http://[::]/',
    'http://0.0.0.0/',
    'http://0/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::127.0.0.1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[2002:7f00:1::]/',
    'http://[fd00:ec2::254]/',
    'http://169.254.169.254/',
    'http://0xa9fea9fe/', // 169.254.169.254 in hex
    'https://10.0.0.1/',
    'https://[fe80::1]/',
  ])('refuses the literal %s as private', (url) => {
    expect(verdict(url)).toBe('forbidden_address:private');
  });

  it.each([
    ['ftp://example.com/', 'scheme'],
    ['file:///etc/passwd', 'scheme'],
    ['gopher://example.com/', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['http://user:secret@example.com/', 'credentials'],
    ['http://user@example.com/', 'credentials'],
    ['http://example.com:8080/', 'port'],
    ['https://example.com:22/', 'port'],
    ['http://8.8.8.8:6379/', 'port'],
    ['not a url', 'url'],
    ['/relative', 'url'],
  ])('refuses %s (%s)', (url, reason) => {
    expect(verdict(url)).toBe(`forbidden_address:${reason}`);
  });

  it('lets public literals and hostnames through (hostnames are checked when connecting)', () => {
    expect(verdict('http://8.8.8.8/')).toBe('allowed');
    expect(verdict('https://[2606:4700::1]/')).toBe('allowed');
    expect(verdict('https://example.com/path?q=1')).toBe('allowed');
    expect(verdict('http://example.com:80/')).toBe('allowed');
    expect(verdict('http://example.com:443/')).toBe('allowed');
  });

  it('lets through exactly the hosts and ports of FETCH_ALLOW_HOSTS', () => {
    const allowing = {
      ports: new Set(DEFAULT_PORTS),
      allowed: allowedHostKeys(['127.0.0.1:8080', 'Intranet', '[::1]:9000', '127.1:81']),
    };
    expect(verdict('http://127.0.0.1:8080/', allowing)).toBe('allowed');
    expect(verdict('http://2130706433:8080/', allowing)).toBe('allowed');
    expect(verdict('http://127.0.0.1:81/', allowing)).toBe('allowed');
    expect(verdict('http://127.0.0.1/', allowing)).toBe('forbidden_address:private');
    expect(verdict('http://127.0.0.1:8081/', allowing)).toBe('forbidden_address:port');
    expect(verdict('http://intranet/', allowing)).toBe('allowed');
    expect(verdict('https://intranet/', allowing)).toBe('allowed');
    expect(verdict('http://intranet:8080/', allowing)).toBe('forbidden_address:port');
    expect(verdict('http://[::1]:9000/', allowing)).toBe('allowed');
    expect(verdict('http://[::1]/', allowing)).toBe('forbidden_address:private');
    // Allowed hosts still get no credentials and no other scheme.
    expect(verdict('http://a:b@127.0.0.1:8080/', allowing)).toBe('forbidden_address:credentials');
  });

  it('reads FETCH_ALLOW_HOSTS entries as host[:port] only', () => {
    expect(parseAllowedHost('example.com')).toEqual({ hostname: 'example.com', port: undefined });
    expect(parseAllowedHost('example.com:80')).toEqual({ hostname: 'example.com', port: 80 });
    expect(parseAllowedHost('example.com:443')).toEqual({ hostname: 'example.com', port: 443 });
    expect(parseAllowedHost('[::1]:8080')).toEqual({ hostname: '[::1]', port: 8080 });
    for (const bad of ['http://x', 'x/y', 'user@x', 'x:99999', 'x y', '', ':80']) {
      expect(parseAllowedHost(bad), bad).toBeUndefined();
    }
    expect(() => allowedHostKeys(['intranet/admin'])).toThrow('not host or host:port');
  });
});
