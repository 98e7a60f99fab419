// Which IP addresses an image download may connect to. Relays hand back URLs that we fetch from
// the bot's own network, so a hostile or compromised relay could point us at the cloud metadata
// service or a service on the LAN (SSRF). Every address a URL resolves to is checked here.
import { isIP } from 'node:net';

export type AddressScope = 'public' | 'private' | 'metadata';

/** [first address, prefix length] in IPv4 numeric form. */
const PRIVATE_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches localhost on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

/** Cloud metadata endpoints: never reachable, even for a relay that itself lives on a private network. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

function v4ToNumber(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function v4InRange(address: string, base: string, prefix: number): boolean {
  const size = 2 ** (32 - prefix);
  return Math.floor(v4ToNumber(address) / size) === Math.floor(v4ToNumber(base) / size);
}

/** Expands an IPv6 address (any notation, embedded IPv4 included) into eight 16-bit groups. */
function v6Groups(address: string): number[] {
  let text = address.toLowerCase().split('%')[0] ?? '';
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const n = v4ToNumber(tail);
    text = `${text.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const missing = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  return [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups].map((g) => parseInt(g, 16) || 0);
}

function groupsToV4(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function v4Scope(address: string): AddressScope {
  if (METADATA.has(address)) return 'metadata';
  return PRIVATE_V4.some(([base, prefix]) => v4InRange(address, base, prefix)) ? 'private' : 'public';
}

function v6Scope(address: string): AddressScope {
  const g = v6Groups(address);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const canonical = g.map((x) => x.toString(16)).join(':');
  if (METADATA.has(address.toLowerCase()) || canonical === 'fd00:ec2:0:0:0:0:0:254') return 'metadata';
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::ffff:a.b.c.d (IPv4-mapped), ::a.b.c.d (IPv4-compatible): judge the IPv4 address inside.
  if (zeroPrefix && g5 === 0xffff) return v4Scope(groupsToV4(g6, g7));
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 <= 1) return 'private'; // :: and ::1
  if (zeroPrefix && g5 === 0) return v4Scope(groupsToV4(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return v4Scope(groupsToV4(g6, g7)); // NAT64
  }
  if (g0 === 0x2002) return v4Scope(groupsToV4(g1, g2)); // 6to4 embeds an IPv4 address
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80 || (g0 & 0xffc0) === 0xfec0) return 'private'; // link-local, site-local
  if ((g0 & 0xff00) === 0xff00) return 'private'; // multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return 'private'; // documentation
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'private'; // discard prefix
  return 'public';
}

/** The scope of an IP literal; `undefined` when `address` is not an IP address. */
export function addressScope(address: string): AddressScope | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare.split('%')[0] ?? '');
  if (family === 4) return v4Scope(bare);
  if (family === 6) return v6Scope(bare);
  return undefined;
}

/** Whether a download may connect to `address` under the given policy. */
export function isAddressAllowed(address: string, allowPrivate: boolean): boolean {
  const scope = addressScope(address);
  if (scope === undefined || scope === 'metadata') return false;
  return scope === 'public' || allowPrivate;
}
