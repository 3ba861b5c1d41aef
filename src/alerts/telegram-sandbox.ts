// A faithful fake of the Telegram Bot API's `sendMessage` on loopback, for tests and for trying
// alerts without a bot: POST /bot<token>/sendMessage with JSON or form fields. Answers as Telegram
// does — `{"ok":true,"result":{…}}`, or `{"ok":false,"error_code":…,"description":…}` with 401 for
// an unknown token, 400 for a chat it does not know or an empty/too long text, and 429 with
// `parameters.retry_after` when told to (`limitNext`) or past its per-chat rate.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SandboxMessage {
  token: string;
  chatId: string;
  text: string;
  at: number;
}

export interface TelegramSandbox {
  baseUrl: string;
  /** The token the sandbox accepts. */
  token: string;
  /** The chat it knows. */
  chatId: string;
  /** Messages accepted, oldest first. */
  messages: SandboxMessage[];
  /** Every request, accepted or not (status only). */
  requests: Array<{ status: number; at: number }>;
  /** The next `count` requests get 429 with this retry_after (seconds). */
  limitNext(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

export interface TelegramSandboxOptions {
  port?: number;
  token?: string;
  chatId?: string;
  /** Messages per chat and second before 429 (Telegram's is about 1 for groups); 0: no limit. */
  perSecond?: number;
  now?: () => number;
}

const MAX_TEXT = 4096;

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) break;
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    try {
      const parsed = JSON.parse(text);
      return parsed && typeof parsed === 'object' ? parsed : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export async function startTelegramSandbox(opts: TelegramSandboxOptions = {}): Promise<TelegramSandbox> {
  const token = opts.token ?? '123456789:SANDBOX-token-for-svyazka-tests_000';
  const chatId = opts.chatId ?? '-1001234567890';
  const now = opts.now ?? Date.now;
  const messages: SandboxMessage[] = [];
  const requests: Array<{ status: number; at: number }> = [];
  let limited: { count: number; retryAfter: number } = { count: 0, retryAfter: 0 };
  const sentAt: number[] = [];
  let nextId = 1;

  const server: Server = createServer((req, res) => {
    const answer = (status: number, body: object) => {
      requests.push({ status, at: now() });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, description: string, parameters?: object) => answer(status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });
    void (async () => {
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (!match) return fail(404, 'Not Found');
      const [, given, method] = match;
      if (given !== token) return fail(401, 'Unauthorized');
      if (method.toLowerCase() !== 'sendmessage') return fail(404, 'Not Found: method not found');
      const body = { ...Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams), ...(await readBody(req)) };
      if (limited.count > 0) {
        limited.count--;
        return fail(429, `Too Many Requests: retry after ${limited.retryAfter}`, { retry_after: limited.retryAfter });
      }
      const chat = body.chat_id === undefined ? '' : String(body.chat_id);
      if (!chat) return fail(400, 'Bad Request: chat_id is empty');
      if (chat !== chatId) return fail(400, 'Bad Request: chat not found');
      const text = typeof body.text === 'string' ? body.text : '';
      if (!text.trim()) return fail(400, 'Bad Request: message text is empty');
      if (text.length > MAX_TEXT) return fail(400, 'Bad Request: message is too long');
      const at = now();
      if (opts.perSecond) {
        while (sentAt.length > 0 && sentAt[0] <= at - 1000) sentAt.shift();
        if (sentAt.length >= opts.perSecond) return fail(429, 'Too Many Requests: retry after 1', { retry_after: 1 });
        sentAt.push(at);
      }
      messages.push({ token: given, chatId: chat, text, at });
      answer(200, { ok: true, result: { message_id: nextId++, date: Math.floor(at / 1000), chat: { id: Number(chat), type: 'supergroup' }, text } });
    })().catch(() => fail(500, 'Internal Server Error'));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    token,
    chatId,
    messages,
    requests,
    limitNext(count, retryAfterSeconds) {
      limited = { count, retryAfter: retryAfterSeconds };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
