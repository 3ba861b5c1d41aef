// How a webhook's body is kept: the exact bytes that arrived (so history shows what was sent and no
// number loses precision), parsed again when read, compressed when that pays (compression.ts).
// Executions of a webhook keep no copy of it: their trigger is derived from the webhook row
// (executions.trigger = '' marks that), see triggerOf.
import { packBytes, unpackBytes } from './compression.ts';
import { storeThread } from './store-thread.ts';
import { mergeQuery } from '../lib/merge-query.ts';
import { parseJson } from '../lib/json.ts';
// The body's parser is the intake's: a stored body parses exactly as it did when it arrived.
import { parseWebhookBody } from '../intake/body.ts';
import { UNFINISHED_STATUSES } from './schema.ts';

/** executions.trigger for an execution whose trigger is its webhook's body with the query merged in. */
export const TRIGGER_FROM_WEBHOOK = '';

export interface RawCoding {
  /** Compress bodies from 512 bytes when that makes them smaller (src/store/compression.ts). */
  compress: boolean;
}

export function encodeRaw(raw: Uint8Array, coding: RawCoding): Uint8Array {
  return packBytes(raw, coding.compress);
}

/** encodeRaw, with the compression done off the main thread (store-thread.ts). */
export function encodeRawAsync(raw: Uint8Array, coding: RawCoding): Promise<Uint8Array> {
  return coding.compress ? storeThread.pack(raw) : Promise.resolve(encodeRaw(raw, coding));
}

export const decodeRaw = unpackBytes;

/** The columns of a webhook row its body is read from. */
export interface BodyColumns {
  body: string;
  raw: Uint8Array | null;
  content_type: string | null;
}

/** The parsed body: from the exact bytes when the row has them, else the JSON kept before 0014. */
export function bodyOf(row: BodyColumns): unknown {
  if (row.raw === null || row.raw === undefined) return parseJson(row.body);
  return parseWebhookBody(decodeRaw(row.raw), row.content_type ?? undefined).body;
}

/** The exact bytes as text (UTF-8 unless the body declared windows-1251), or null before 0014. */
export function rawTextOf(row: BodyColumns): string | null {
  if (row.raw === null || row.raw === undefined) return null;
  const bytes = decodeRaw(row.raw);
  const cp1251 = /charset\s*=\s*"?(windows-1251|cp1251|x-cp1251)/i.test(row.content_type ?? '');
  return new TextDecoder(cp1251 ? 'windows-1251' : 'utf-8').decode(bytes);
}

/** An execution's id with its webhook's body columns. */
export interface TriggerSource {
  id: string;
  w_body: string | null;
  w_raw: Uint8Array | null;
  w_query: string | null;
  w_content_type: string | null;
}

/** Statuses (as SQL) of executions that may run again, so need their trigger after their webhook is pruned. */
export const STILL_RUNNABLE = [...UNFINISHED_STATUSES, 'failed'].map((s) => `'${s}'`).join(',');

/** A webhook execution's trigger from its webhook row; null when the webhook was pruned. */
export function triggerOf(row: Omit<TriggerSource, 'id'>): unknown {
  if (row.w_body === null || row.w_body === undefined) return null;
  const body = bodyOf({ body: row.w_body, raw: row.w_raw, content_type: row.w_content_type });
  return mergeQuery(body, (parseJson(row.w_query) ?? {}) as Record<string, unknown>);
}

/**
 * What this process knows of executions it just accepted, handed to the executor that loads them
 * next: their trigger (so it neither reads the body back nor parses it again) or, on SQLite, the
 * whole record (no read at all). Bounded; taken once; a miss (another process, a restart, a full
 * map) reads the row as usual.
 */
export class AcceptedHandOff<T = unknown> {
  private readonly map = new Map<string, { value: T; at: number }>();
  private readonly max: number;
  private readonly staleMs: number;

  constructor(max = 1000, staleMs = 30_000) {
    this.max = max;
    this.staleMs = staleMs;
  }

  put(executionId: string, value: T, now = Date.now()): void {
    if (this.map.size >= this.max) {
      // An entry nobody took for a while (a web process runs no executions; another worker ran
      // it) makes room. Otherwise (a backlog) the newest go without: executions run oldest first,
      // so those held here are the next taken — evicting the oldest would make each one a miss.
      const [oldestId, oldest] = this.map.entries().next().value!;
      if (now - oldest.at < this.staleMs) return;
      this.map.delete(oldestId);
    }
    this.map.set(executionId, { value, at: now });
  }

  take(executionId: string): T | undefined {
    const entry = this.map.get(executionId);
    if (entry === undefined) return undefined;
    this.map.delete(executionId);
    return entry.value;
  }
}
