// SVYAZKA_OUTBOUND_ALLOW: the operator's exceptions to the outbound guard. Entries are CIDR blocks,
// IP addresses or host names, each optionally with a port: `10.0.0.0/8`, `::1/128`,
// `127.0.0.1:8080`, `[::1]:8080`, `crm.local:8443`.
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

export type AllowEntry =
  | { kind: 'range'; range: [IpAddress, number]; port?: number; text: string }
  | { kind: 'host'; host: string; port?: number; text: string };

/** One entry; throws an Error that quotes the entry and says what form is expected. */
export function parseAllowEntry(raw: string): AllowEntry {
  const text = raw.trim();
  const fail = (why: string): never => {
    throw new Error(`"${text}": ${why}; expected a CIDR block (10.0.0.0/8), an IP address (192.168.1.5, [::1]) or a host name (crm.local), each optionally with :port`);
  };
  let hostPart = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    hostPart = bracketed[1];
    portText = bracketed[2];
  } else if (text.split(':').length === 2) {
    [hostPart, portText] = text.split(':');
  }
  // More than one colon and no brackets: a bare IPv6 address or block, no port.
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) fail('the port must be a number 1…65535');
    port = Number(portText);
  }
  if (!hostPart) fail('no address');
  if (hostPart.includes('/')) {
    let range: [IpAddress, number];
    try {
      range = ipaddr.parseCIDR(hostPart);
    } catch {
      return fail('not a valid CIDR block');
    }
    if (range[0].kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(hostPart.split('/')[0])) fail('write the IPv4 block as a.b.c.d/len');
    return { kind: 'range', range, port, text };
  }
  if (ipaddr.IPv6.isValid(hostPart)) {
    if (hostPart.includes('%')) fail('zone ids (%eth0) are not supported');
    const ip = canonical(ipaddr.IPv6.parse(hostPart));
    return { kind: 'range', range: [ip, ip.kind() === 'ipv4' ? 32 : 128], port, text };
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(hostPart)) return { kind: 'range', range: [ipaddr.IPv4.parse(hostPart), 32], port, text };
  if (ipaddr.isValid(hostPart)) fail('write the IPv4 address as a.b.c.d');
  if (hostPart.includes('*')) fail('wildcards are not supported; name each host, or give a block (0.0.0.0/0 and ::/0 allow every address)');
  if (!/^[^\s/?#@:[\]\\%]+$/.test(hostPart)) fail('not a valid host name');
  let host: string;
  try {
    host = new URL(`http://${hostPart}/`).hostname;
  } catch {
    return fail('not a valid host name');
  }
  return { kind: 'host', host: normalizeHostName(host), port, text };
}

/** The whole variable: comma-separated entries, blanks ignored. */
export function parseAllowList(value: string | undefined): AllowEntry[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseAllowEntry);
}

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is its IPv4 address. */
export function canonical(ip: IpAddress): IpAddress {
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

/** Lower case, no trailing dot, no brackets: how host names and literals are compared. */
export function normalizeHostName(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

export function entryMatchesAddress(entry: AllowEntry, ip: IpAddress, port: number): boolean {
  if (entry.kind !== 'range' || (entry.port !== undefined && entry.port !== port)) return false;
  const [base, bits] = entry.range;
  const candidate = canonical(ip);
  const net = canonical(base);
  if (candidate.kind() !== net.kind()) return false;
  // A mapped block (::ffff:10.0.0.0/104) compared as IPv4 loses 96 bits of prefix.
  const prefix = net !== base ? bits - 96 : bits;
  return candidate.kind() === 'ipv4'
    ? (candidate as ipaddr.IPv4).match(net as ipaddr.IPv4, Math.max(0, prefix))
    : (candidate as ipaddr.IPv6).match(net as ipaddr.IPv6, prefix);
}

export function entryMatchesHost(entry: AllowEntry, host: string, port: number): boolean {
  return entry.kind === 'host' && entry.host === normalizeHostName(host) && (entry.port === undefined || entry.port === port);
}
