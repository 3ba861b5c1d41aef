// The outbound guard (SSRF): every connection a connector opens goes to a public address, or to
// one the operator allowed (SVYAZKA_OUTBOUND_ALLOW), or to a sandbox this server started.
//
// The check happens where the socket is opened: the guard's undici dispatcher resolves the host
// with the guard's resolver, checks every address, and connects to the checked address itself
// (TLS still verifies the original host name), so a DNS answer cannot change between check and
// connect. `checkUrl` runs the same check before a request is metered, so a refused request costs
// nothing. Other outgoing connections (SMTP, Telegram) use `check` or `netLookup`.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Agent as UndiciAgent, buildConnector as undiciBuildConnector, Dispatcher } from 'undici';
import { PermanentError } from '../../connector-kit/errors.ts';
import { Agent, buildConnector } from './undici-parts.ts';
import { canonical, entryMatchesAddress, entryMatchesHost, normalizeHostName, parseAllowEntry, type AllowEntry, type IpAddress } from './allow-list.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Host name → its addresses (like dns.lookup with all: true). Injectable for tests. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface OutboundGuardOptions {
  /** Parsed SVYAZKA_OUTBOUND_ALLOW. */
  allow?: readonly AllowEntry[];
  resolver?: Resolver;
  /** Epoch ms, for how long a DNS answer is kept (injectable for tests). */
  now?: () => number;
}

export const OUTBOUND_ALLOW_VARIABLE = 'SVYAZKA_OUTBOUND_ALLOW';

/** A refused destination. The same text whether or not anything listens there. */
export class OutboundBlockedError extends PermanentError {
  readonly code = 'SVYAZKA_OUTBOUND_BLOCKED';
  constructor(where: string) {
    super(`Адрес запрещён для исходящих запросов (локальная или частная сеть): ${where}. Разрешите его в ${OUTBOUND_ALLOW_VARIABLE}, если это ваш сервис`);
    this.name = 'OutboundBlockedError';
  }
}

export const systemResolver: Resolver = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * Why an address is not public, or null when it is. Forms that carry an IPv4 address inside an
 * IPv6 one (mapped, compatible, NAT64, 6to4) are judged by that IPv4 address.
 */
export function blockedRange(ip: IpAddress): string | null {
  if (ip.kind() === 'ipv4') {
    const range = (ip as ipaddr.IPv4).range();
    return range === 'unicast' ? null : range;
  }
  const v6 = ip as ipaddr.IPv6;
  const parts = v6.parts;
  const embedded = () => new ipaddr.IPv4([parts[6] >> 8, parts[6] & 0xff, parts[7] >> 8, parts[7] & 0xff]);
  const range = v6.range();
  switch (range) {
    case 'unicast':
      // ::a.b.c.d (IPv4-compatible, deprecated): some stacks still route it as IPv4.
      return parts.slice(0, 6).every((p) => p === 0) ? 'ipv4Compatible' : null;
    case 'ipv4Mapped':
    case 'rfc6145':
      return blockedRange(embedded());
    case 'rfc6052':
      // 64:ff9b::/96 carries the IPv4 address in its last 32 bits; the /48 local-use block is private.
      return parts[2] === 0 && parts[3] === 0 && parts[4] === 0 && parts[5] === 0 ? blockedRange(embedded()) : range;
    case '6to4':
      return blockedRange(new ipaddr.IPv4([parts[1] >> 8, parts[1] & 0xff, parts[2] >> 8, parts[2] & 0xff]));
    default:
      return range;
  }
}

function parseIp(host: string): IpAddress | null {
  const h = normalizeHostName(host);
  // ipaddr.js reads every IPv4 notation getaddrinfo does (2130706433, 0x7f.1, 0177.0.0.1, 127.1).
  if (!ipaddr.isValid(h) || h.includes('%')) return null;
  return ipaddr.parse(h);
}

function display(host: string, port: number): string {
  const h = normalizeHostName(host);
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}

const CACHE_MS = 5_000;
const CACHE_MAX = 1_000;

export class OutboundGuard {
  private readonly entries: AllowEntry[];
  private readonly runtime = new Set<AllowEntry>();
  private readonly resolver: Resolver;
  private readonly now: () => number;
  private readonly resolved = new Map<string, { at: number; addresses: Promise<ResolvedAddress[]> }>();
  private agent: UndiciAgent | undefined;
  /**
   * Addresses `check` let through, by host and port: every request to a service asks again, and
   * the answer changes only with the allow list (`allowVersion`) or, for a name, its DNS answer.
   */
  private readonly passed = new Map<string, { allowVersion: number; answer: Promise<ResolvedAddress[]> | null; address: ResolvedAddress }>();
  private allowVersion = 0;

  constructor(opts: OutboundGuardOptions = {}) {
    this.entries = [...(opts.allow ?? [])];
    this.resolver = opts.resolver ?? systemResolver;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Opens the guard for one exact address at runtime (a sandbox this process started): an
   * http(s) URL or `host:port`. Returns the function that closes it again.
   */
  allow(target: string | URL): () => void {
    let entry: AllowEntry;
    if (target instanceof URL || /^https?:\/\//i.test(target)) {
      const url = new URL(target);
      const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
      entry = parseAllowEntry(`${url.hostname}:${port}`);
    } else {
      entry = parseAllowEntry(target);
    }
    this.runtime.add(entry);
    this.allowVersion++;
    return () => {
      this.runtime.delete(entry);
      this.allowVersion++;
    };
  }

  /**
   * Resolves `host` and checks every address it has against the guard; resolves to the one to
   * connect to, or rejects with OutboundBlockedError. DNS failures reject with the resolver's error.
   */
  async check(host: string, port: number): Promise<ResolvedAddress> {
    const name = normalizeHostName(host);
    const key = `${name} ${port}`;
    const hit = this.passed.get(key);
    if (hit && hit.allowVersion === this.allowVersion && (hit.answer === null || hit.answer === this.fresh(name))) return hit.address;
    const allowed = [...this.entries, ...this.runtime];
    const allowVersion = this.allowVersion;
    const literal = parseIp(name);
    if (literal) {
      const ip = canonical(literal);
      if (blockedRange(ip) !== null && !allowed.some((e) => entryMatchesAddress(e, ip, port))) throw new OutboundBlockedError(display(name, port));
      return this.pass(key, allowVersion, null, { address: ip.toString(), family: ip.kind() === 'ipv4' ? 4 : 6 });
    }
    const answer = this.resolve(name);
    const addresses = await answer;
    if (addresses.length === 0) throw Object.assign(new Error(`No address for ${name}`), { code: 'ENOTFOUND' });
    // The operator named this host: its addresses are theirs to choose.
    if (allowed.some((e) => entryMatchesHost(e, name, port))) return this.pass(key, allowVersion, answer, addresses[0]);
    for (const a of addresses) {
      const ip = parseIp(a.address);
      if (!ip) throw new OutboundBlockedError(display(name, port));
      const c = canonical(ip);
      // One private answer refuses the host: otherwise a name with a public and a private address
      // could be tried until the private one is picked.
      if (blockedRange(c) !== null && !allowed.some((e) => entryMatchesAddress(e, c, port))) throw new OutboundBlockedError(`${display(name, port)} → ${c.toString()}`);
    }
    return this.pass(key, allowVersion, answer, addresses[0]);
  }

  private pass(key: string, allowVersion: number, answer: Promise<ResolvedAddress[]> | null, address: ResolvedAddress): ResolvedAddress {
    if (this.passed.size >= CACHE_MAX) this.passed.clear();
    this.passed.set(key, { allowVersion, answer, address });
    return address;
  }

  /** The cached DNS answer for `name` while it is fresh, else undefined. */
  private fresh(name: string): Promise<ResolvedAddress[]> | undefined {
    const hit = this.resolved.get(name);
    return hit && this.now() - hit.at < CACHE_MS ? hit.addresses : undefined;
  }

  /** A URL before it is sent: only http(s), and the host passes `check`. */
  async checkUrl(url: string | URL): Promise<ResolvedAddress> {
    const u = url instanceof URL ? url : new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PermanentError(`Only http:// and https:// URLs are allowed, not "${u.protocol}//"`);
    return this.check(u.hostname, Number(u.port) || (u.protocol === 'https:' ? 443 : 80));
  }

  /** For net.connect / tls.connect `lookup` (SMTP and the like): resolves only to checked addresses. */
  netLookup(port: number): LookupFunction {
    return (hostname, options, callback) => {
      this.check(hostname, port).then(
        (a) => (options.all ? (callback as (e: null, all: ResolvedAddress[]) => void)(null, [a]) : callback(null, a.address, a.family)),
        (error: NodeJS.ErrnoException) => callback(error, '', 0),
      );
    };
  }

  /** One keep-alive pool for every request through this guard; each new socket is checked. */
  get dispatcher(): Dispatcher {
    this.agent ??= new Agent({
      connections: 128,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connect: this.connector(),
    });
    return this.agent;
  }

  async close(): Promise<void> {
    const agent = this.agent;
    this.agent = undefined;
    await agent?.close();
  }

  private connector(): undiciBuildConnector.connector {
    const base = buildConnector({});
    return (opts, callback) => {
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      this.check(opts.hostname, port).then(
        // `host` keeps the original name, so TLS's servername and certificate check use it.
        (a) => base({ ...opts, hostname: a.address }, callback),
        (error: Error) => callback(error, null),
      );
    };
  }

  private resolve(name: string): Promise<ResolvedAddress[]> {
    const now = this.now();
    const hit = this.resolved.get(name);
    if (hit && now - hit.at < CACHE_MS) return hit.addresses;
    if (this.resolved.size >= CACHE_MAX) this.resolved.clear();
    const addresses = this.resolver(name);
    this.resolved.set(name, { at: now, addresses });
    addresses.catch(() => this.resolved.delete(name));
    return addresses;
  }
}
