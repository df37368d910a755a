import ipaddr from 'ipaddr.js';
import { privateAddressRanges } from '../core/privateAddresses.js';

type Range = { cidr: [ipaddr.IPv4 | ipaddr.IPv6, number]; what: string };

const ranges: readonly Range[] = privateAddressRanges.map(({ cidr, what }) => ({
  cidr: ipaddr.parseCIDR(cidr),
  what,
}));

/** Why an address may not be reached: the range of core/privateAddresses.ts it falls in. */
export type AddressClass = { forbidden: false } | { forbidden: true; cidr: string; what: string };

/**
 * Classifies an IP address (as a resolver returns it, or a URL's literal host without brackets)
 * against the private address ranges. The address is matched as written against the ranges of
 * its own family — so `::ffff:7f00:1`, `64:ff9b::7f00:1` or `2002:7f00:1::` fall in the
 * IPv4-mapped, NAT64 and 6to4 ranges as wholes, whatever IPv4 address they carry — and once more
 * unmapped (`ipaddr.process`), so that an IPv4-mapped form is also named by its IPv4 class.
 * Anything that does not parse as an address is forbidden.
 */
export function classifyAddress(address: string): AddressClass {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return { forbidden: true, cidr: 'invalid', what: 'not an IP address' };
  }
  const unmapped = ipaddr.process(address);
  for (const candidate of unmapped.kind() === parsed.kind() ? [parsed] : [unmapped, parsed]) {
    for (const { cidr, what } of ranges) {
      const [network, bits] = cidr;
      if (candidate.kind() === network.kind() && candidate.match(cidr)) {
        return { forbidden: true, cidr: `${network.toString()}/${bits}`, what };
      }
    }
  }
  return { forbidden: false };
}

/** Whether Roomkit may not connect to `address` (see classifyAddress). */
export function isForbiddenAddress(address: string): boolean {
  return classifyAddress(address).forbidden;
}
