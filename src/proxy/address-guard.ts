import { BlockList, isIP } from 'node:net';

/**
 * Addresses an allowed host name must never resolve to: a public name pointing at loopback,
 * the LAN or the cloud metadata service is the classic SSRF / DNS-rebinding path out of a box.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** Why an address is not a public destination, or undefined when it is. */
export function nonPublicReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  let a = address.toLowerCase();
  // IPv4-mapped and NAT64 forms carry an IPv4 address that must be judged as one.
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) a = mapped[1]!;
  const fam = isIP(a) === 4 ? 'ipv4' : 'ipv6';
  if (blocked.check(a, fam)) {
    if (a.startsWith('169.254.') || a === 'fd00:ec2::254') return `${address} is a link-local / cloud metadata address`;
    if (a.startsWith('127.') || a === '::1') return `${address} is a loopback address`;
    return `${address} is a private or reserved address`;
  }
  return undefined;
}
