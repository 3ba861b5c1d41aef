// The store's worker thread, seen from the main one: two jobs that would otherwise stall the event
// loop. Its code is plain JavaScript (store-thread-worker.js): see there why.
// - Compression. Packing a 1-4 KB webhook body or journal entry costs 25-45 us of CPU, about a
//   tenth of the server's main thread under load (bench/profile), while that thread is what limits
//   throughput. What is submitted during one event-loop turn goes to the thread as one batch
//   (copied into a single transferred buffer) and comes back the same way; the caller awaits it
//   before its write, so what is stored is what compression.ts would give.
// - SQLite's WAL checkpoints (watchWal), on a connection of the thread's own.
// The thread is shared by the process, started on first use and never keeps the process alive. If
// it cannot start or dies, packing goes on in the calling thread and SQLite checkpoints as usual.
import { Worker } from 'node:worker_threads';
import { DEFLATE, PACK_FROM, PLAIN, packBytes, textOrPacked } from './compression.ts';

export interface PackRequest {
  id: number;
  buffer: ArrayBuffer;
  lengths: number[];
}

export interface PackResult {
  id: number;
  buffer: ArrayBuffer;
  lengths: number[];
}

interface Waiting {
  bytes: Uint8Array;
  resolve: (packed: Uint8Array) => void;
}

/** The thread's answer to a watch or unwatch: `ask` is the number the request carried. */
interface WalReply {
  ask: number;
  error?: string;
}

class StoreThread {
  private worker: Worker | null = null;
  private broken = false;
  private queued: Waiting[] = [];
  private scheduled = false;
  private nextId = 1;
  private readonly inFlight = new Map<number, Waiting[]>();
  private nextAsk = 1;
  /** Answers awaited from the thread, by the number of the request. */
  private readonly replies = new Map<number, (ok: boolean) => void>();
  /** Watches of databases whose checkpoints the thread runs, by their number: told if it dies. */
  private readonly watches = new Map<number, { path: string; lost: () => void }>();

  /** `bytes` behind a coding tag, packed when that pays: exactly packBytes(bytes). */
  pack(bytes: Uint8Array): Promise<Uint8Array> {
    // Too short to be compressed: nothing to hand over.
    if (bytes.length < PACK_FROM || this.broken) return Promise.resolve(packBytes(bytes));
    return new Promise((resolve) => {
      this.queued.push({ bytes, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  private send(): void {
    this.scheduled = false;
    const batch = this.queued;
    this.queued = [];
    const worker = this.broken ? null : this.start();
    if (!worker) {
      for (const w of batch) w.resolve(packBytes(w.bytes));
      return;
    }
    const lengths = batch.map((w) => w.bytes.length);
    const buffer = new ArrayBuffer(lengths.reduce((a, b) => a + b, 0));
    const bytes = new Uint8Array(buffer);
    let at = 0;
    for (const w of batch) {
      bytes.set(w.bytes, at);
      at += w.bytes.length;
    }
    const id = this.nextId++;
    this.inFlight.set(id, batch);
    const req: PackRequest = { id, buffer, lengths };
    worker.postMessage(req, [buffer]);
    // Only what is awaited from it keeps the process alive.
    worker.ref();
  }

  /**
   * The thread checkpoints `path`'s WAL every `everyMs` on a connection of its own (one per path,
   * however many watch it). Resolves to the watch's number once it does; null if it cannot (the
   * caller keeps SQLite's own checkpoints). `lost` is called if the thread dies later.
   */
  async watchWal(path: string, everyMs: number, lost: () => void): Promise<number | null> {
    const worker = this.broken ? null : this.start();
    if (!worker) return null;
    const ask = this.nextAsk++;
    if (!(await this.ask(worker, ask, { watch: path, everyMs, ask }))) return null;
    this.watches.set(ask, { path, lost });
    return ask;
  }

  /** Ends a watch: the thread closes its connection with the last one (so the caller's close is the last). */
  async unwatchWal(watch: number): Promise<void> {
    const w = this.watches.get(watch);
    if (!w || !this.worker) return;
    this.watches.delete(watch);
    const ask = this.nextAsk++;
    await this.ask(this.worker, ask, { unwatch: w.path, ask });
  }

  private ask(worker: Worker, ask: number, message: object): Promise<boolean> {
    return new Promise((resolve) => {
      this.replies.set(ask, resolve);
      worker.postMessage(message);
      worker.ref();
    });
  }

  private answer(reply: WalReply): void {
    const resolve = this.replies.get(reply.ask);
    this.replies.delete(reply.ask);
    this.unrefWhenIdle();
    if (reply.error) process.emitWarning(`SQLite checkpoints stay on the main thread: ${reply.error}`);
    resolve?.(!reply.error);
  }

  private unrefWhenIdle(): void {
    if (this.inFlight.size === 0 && this.replies.size === 0) this.worker?.unref();
  }

  private start(): Worker | null {
    if (this.worker) return this.worker;
    try {
      // It holds one batch at a time: a small young generation keeps its heap (and RSS) small.
      const worker = new Worker(new URL('./store-thread-worker.js', import.meta.url), {
        resourceLimits: { maxYoungGenerationSizeMb: 4 },
        workerData: { plainTag: PLAIN, deflateTag: DEFLATE, packFrom: PACK_FROM },
      });
      worker.on('message', (result: PackResult | WalReply) => ('ask' in result ? this.answer(result) : this.receive(result)));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', () => {
        // Ended with nothing in hand (the process is exiting): a later batch starts a new one.
        if (this.inFlight.size > 0 || this.replies.size > 0 || this.watches.size > 0) this.fail(new Error('the store thread exited'));
        this.worker = null;
      });
      worker.unref();
      this.worker = worker;
      return worker;
    } catch (error) {
      this.fail(error);
      return null;
    }
  }

  private receive(result: PackResult): void {
    const batch = this.inFlight.get(result.id);
    this.inFlight.delete(result.id);
    this.unrefWhenIdle();
    if (!batch) return;
    let at = 0;
    for (let i = 0; i < batch.length; i++) {
      batch[i].resolve(Buffer.from(result.buffer, at, result.lengths[i]));
      at += result.lengths[i];
    }
  }

  /** The thread is gone: what it held is packed here, and so is everything after. */
  private fail(error: unknown): void {
    if (this.broken) return;
    this.broken = true;
    this.worker = null;
    process.emitWarning(`Compression goes on in the main thread: ${(error as Error)?.message ?? String(error)}`);
    for (const batch of this.inFlight.values()) for (const w of batch) w.resolve(packBytes(w.bytes));
    this.inFlight.clear();
    for (const resolve of this.replies.values()) resolve(false);
    this.replies.clear();
    for (const w of this.watches.values()) w.lost();
    this.watches.clear();
  }
}

export const storeThread = new StoreThread();

/** JSON text for a journal column, as compression.ts packText gives it, packed off the main thread. */
export async function packTextAsync(text: string): Promise<string | Uint8Array> {
  if (text.length < PACK_FROM) return text;
  return textOrPacked(text, await storeThread.pack(Buffer.from(text, 'utf8')));
}
