// Slows down password guessing at POST /auth/login: each account (normalised email) and each
// client address gets a few free failures, then every further failure doubles a wait (1 s, 2 s,
// 4 s … capped) during which attempts are refused without checking the password. An attempt is
// counted when it starts (parallel guesses cannot slip through while scrypt runs) and a success
// takes it back: the account's record is dropped, the address's count goes down by one — a
// success never clears an address, or one valid account would reset an attacker's count.
//
// State lives behind `AttemptStore` so several processes can share it later (Redis: get + set of
// one key must then be atomic, e.g. a Lua script); the in-memory store is bounded (LRU) and
// forgets records once they have been quiet long enough.
import ipaddr from 'ipaddr.js';

export interface AttemptRecord {
  /** Failed (or still running) attempts since the record was created. */
  failures: number;
  /** Epoch ms before which attempts are refused; 0 when not blocked. */
  blockedUntil: number;
}

/** Where attempt records are kept; `expiresAt` (epoch ms) lets the store forget a quiet record. */
export interface AttemptStore {
  get(key: string, now: number): Promise<AttemptRecord | undefined>;
  set(key: string, record: AttemptRecord, expiresAt: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Keeps at most `maxKeys` records, dropping the least recently used first, expired ones on read. */
export class MemoryAttemptStore implements AttemptStore {
  private readonly records = new Map<string, { record: AttemptRecord; expiresAt: number }>();
  private readonly maxKeys: number;

  constructor(opts: { maxKeys?: number } = {}) {
    this.maxKeys = opts.maxKeys ?? 50_000;
  }

  get size(): number {
    return this.records.size;
  }

  async get(key: string, now: number): Promise<AttemptRecord | undefined> {
    const entry = this.records.get(key);
    if (!entry) return undefined;
    this.records.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.records.set(key, entry); // most recently used last
    return { ...entry.record };
  }

  async set(key: string, record: AttemptRecord, expiresAt: number): Promise<void> {
    this.records.delete(key);
    this.records.set(key, { record: { ...record }, expiresAt });
    while (this.records.size > this.maxKeys) this.records.delete(this.records.keys().next().value!);
  }

  async delete(key: string): Promise<void> {
    this.records.delete(key);
  }
}

export interface ThrottlePolicy {
  /** Failures allowed before waits start. */
  freeFailures: number;
  /** First wait; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A record with no attempt for this long is forgotten (counts start again). */
  forgetAfterMs: number;
}

export const ACCOUNT_POLICY: ThrottlePolicy = { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000 };
/** An address may be shared (an office behind NAT), so it gets more room than one account. */
export const ADDRESS_POLICY: ThrottlePolicy = { freeFailures: 30, baseDelayMs: 1000, maxDelayMs: 15 * 60_000, forgetAfterMs: 60 * 60_000 };

export interface SignInKeys {
  /** Client address (req.ip, which honours SVYAZKA_TRUST_PROXY). */
  ip: string;
  /** The email as typed; normalised here. */
  email: string;
}

export type AttemptVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export class SignInThrottle {
  private readonly store: AttemptStore;
  private readonly now: () => number;
  private readonly account: ThrottlePolicy;
  private readonly address: ThrottlePolicy;

  constructor(opts: { store?: AttemptStore; now?: () => number; account?: ThrottlePolicy; address?: ThrottlePolicy } = {}) {
    this.store = opts.store ?? new MemoryAttemptStore();
    this.now = opts.now ?? Date.now;
    this.account = opts.account ?? ACCOUNT_POLICY;
    this.address = opts.address ?? ADDRESS_POLICY;
  }

  /**
   * Before checking a password: refused (with how long to wait) while either key is blocked;
   * otherwise the attempt is counted as a failure until `succeeded` takes it back.
   */
  async begin(keys: SignInKeys): Promise<AttemptVerdict> {
    const now = this.now();
    const accountKey = keyOfAccount(keys.email);
    const addressKey = keyOfAddress(keys.ip);
    const [account, address] = await Promise.all([this.store.get(accountKey, now), this.store.get(addressKey, now)]);
    const blockedUntil = Math.max(account?.blockedUntil ?? 0, address?.blockedUntil ?? 0);
    if (blockedUntil > now) return { allowed: false, retryAfterMs: blockedUntil - now };
    await Promise.all([
      this.store.set(accountKey, fail(account, this.account, now), now + this.account.forgetAfterMs + this.account.maxDelayMs),
      this.store.set(addressKey, fail(address, this.address, now), now + this.address.forgetAfterMs + this.address.maxDelayMs),
    ]);
    return { allowed: true };
  }

  /** The password was right: the account starts afresh, the address's count loses this attempt. */
  async succeeded(keys: SignInKeys): Promise<void> {
    const now = this.now();
    const addressKey = keyOfAddress(keys.ip);
    await this.store.delete(keyOfAccount(keys.email));
    const address = await this.store.get(addressKey, now);
    if (address && address.failures > 0) {
      await this.store.set(addressKey, { ...address, failures: address.failures - 1 }, now + this.address.forgetAfterMs + this.address.maxDelayMs);
    }
  }
}

function fail(record: AttemptRecord | undefined, policy: ThrottlePolicy, now: number): AttemptRecord {
  const failures = (record?.failures ?? 0) + 1;
  if (failures < policy.freeFailures) return { failures, blockedUntil: 0 };
  // 2^40 is far past any cap; the bound keeps the power finite.
  const delay = Math.min(policy.baseDelayMs * 2 ** Math.min(failures - policy.freeFailures, 40), policy.maxDelayMs);
  return { failures, blockedUntil: now + delay };
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

const keyOfAccount = (email: string) => `account:${normaliseEmail(email)}`;
/** An IPv6 client is counted by its /64 (one host usually holds a whole /64 to rotate through). */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (addr.kind() === 'ipv4') return addr.toString();
  return `${(addr as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64`;
}

const keyOfAddress = (ip: string) => `ip:${addressKey(ip)}`;
