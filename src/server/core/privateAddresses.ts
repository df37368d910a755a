import ipaddr from 'ipaddr.js';

/**
 * The address classes nothing Roomkit hands out may reach: not its own outbound requests, and not
 * a TURN relay whose credentials it issues (coturn's `denied-peer-ip`, docs/operations.md
 * "Calls"). Loopback, private and carrier-grade NAT networks, link-local (where clouds keep their
 * metadata service), multicast, unspecified, unique local, documentation and benchmarking
 * ranges, and the IPv6 forms that carry an IPv4 address (mapped, translated, compatible, NAT64,
 * 6to4, Teredo), whose IPv4 part could be any of the others. Whole ranges, not the IPv4 inside:
 * the outbound door (outbound/addressPolicy.ts) matches an address against them as it is.
 */
export const privateAddressRanges: readonly { cidr: string; what: string }[] = [
  { cidr: '0.0.0.0/8', what: 'unspecified, "this network"' },
  { cidr: '10.0.0.0/8', what: 'private (RFC 1918)' },
  { cidr: '100.64.0.0/10', what: 'carrier-grade NAT' },
  { cidr: '127.0.0.0/8', what: 'loopback' },
  { cidr: '169.254.0.0/16', what: 'link-local, cloud metadata (169.254.169.254)' },
  { cidr: '172.16.0.0/12', what: 'private (RFC 1918)' },
  { cidr: '192.0.0.0/24', what: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', what: 'documentation' },
  { cidr: '192.88.99.0/24', what: '6to4 relay anycast' },
  { cidr: '192.168.0.0/16', what: 'private (RFC 1918)' },
  { cidr: '198.18.0.0/15', what: 'benchmarking' },
  { cidr: '198.51.100.0/24', what: 'documentation' },
  { cidr: '203.0.113.0/24', what: 'documentation' },
  { cidr: '224.0.0.0/4', what: 'multicast' },
  { cidr: '240.0.0.0/4', what: 'reserved, broadcast' },
  { cidr: '::/96', what: 'unspecified, loopback, IPv4-compatible' },
  { cidr: '::ffff:0:0/96', what: 'IPv4-mapped' },
  { cidr: '::ffff:0:0:0/96', what: 'IPv4-translated' },
  { cidr: '64:ff9b::/96', what: 'NAT64' },
  { cidr: '64:ff9b:1::/48', what: 'local NAT64' },
  { cidr: '100::/64', what: 'discard-only' },
  { cidr: '2001::/32', what: 'Teredo' },
  { cidr: '2001:2::/48', what: 'benchmarking' },
  { cidr: '2001:db8::/32', what: 'documentation' },
  { cidr: '2002::/16', what: '6to4' },
  { cidr: '3fff::/20', what: 'documentation' },
  { cidr: 'fc00::/7', what: 'unique local, cloud metadata (fd00:ec2::254)' },
  { cidr: 'fe80::/10', what: 'link-local' },
  { cidr: 'fec0::/10', what: 'site-local (deprecated, still routed inside some networks)' },
  { cidr: 'ff00::/8', what: 'multicast' },
];

/** The ranges as coturn's `denied-peer-ip=<first>-<last>` lines. */
export function coturnDeniedPeers(): string[] {
  return privateAddressRanges.map(({ cidr }) => {
    const family = ipaddr.parseCIDR(cidr)[0].kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
    const first = family.networkAddressFromCIDR(cidr).toString();
    const last = family.broadcastAddressFromCIDR(cidr).toString();
    return `denied-peer-ip=${first}-${last}`;
  });
}
