// Telegram Bot API `sendMessage`, through the outbound guard. A 429 says how long to wait in
// `parameters.retry_after` (seconds): short waits are honoured here and the message sent again;
// a long one is returned as "retry after", so the dispatcher keeps the alert and the next round
// sends it, without holding its loop. 400/401 are the bot's or the chat's fault and say so.
import { request } from '../engine/outbound/undici-parts.ts';
import { z } from 'zod';
import type { OutboundGuard } from '../engine/outbound/guard.ts';

export const TELEGRAM_API_URL = 'https://api.telegram.org';
/** Telegram's limit on one message's text. */
export const TELEGRAM_MAX_TEXT = 4096;
/** The longest retry_after waited in place; longer ones go back to the dispatcher. */
const MAX_INLINE_WAIT_MS = 60_000;
const MAX_TRIES = 4;
const TIMEOUT_MS = 15_000;

const answerSchema = z.object({
  ok: z.boolean(),
  description: z.string().optional(),
  error_code: z.number().optional(),
  parameters: z.object({ retry_after: z.number().optional() }).optional(),
});

export interface TelegramDeps {
  guard: OutboundGuard;
  /** The Bot API's base URL (SVYAZKA_TELEGRAM_API_URL; tests point it at the sandbox). */
  baseUrl?: string;
  /** Waits `ms` (tests record the waits instead of sleeping). */
  sleep?: (ms: number) => Promise<void>;
}

export type SendResult = { ok: true } | { ok: false; error: string; retryAfterMs?: number };

export async function sendTelegram(deps: TelegramDeps, message: { botToken: string; chatId: string; text: string }): Promise<SendResult> {
  const base = (deps.baseUrl ?? TELEGRAM_API_URL).replace(/\/+$/, '');
  const url = `${base}/bot${message.botToken}/sendMessage`;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const text = message.text.length > TELEGRAM_MAX_TEXT ? message.text.slice(0, TELEGRAM_MAX_TEXT - 1) + '…' : message.text;
  // The token is part of the URL: no error text below may carry the URL.
  const redact = (s: string) => s.split(message.botToken).join('[token]');
  for (let attempt = 1; ; attempt++) {
    let status: number;
    let answer: z.infer<typeof answerSchema>;
    try {
      const target = new URL(url);
      await deps.guard.checkUrl(target);
      const res = await request(deps.guard.dispatcher, target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: message.chatId, text, disable_web_page_preview: true }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = res.statusCode;
      const parsed = answerSchema.safeParse(await res.body.json().catch(() => null));
      answer = parsed.success ? parsed.data : { ok: false, description: `HTTP ${status}` };
    } catch (error) {
      return { ok: false, error: `Telegram: ${redact((error as Error).message)}` };
    }
    if (answer.ok && status < 300) return { ok: true };
    const description = redact(answer.description ?? `HTTP ${status}`);
    if (status === 429) {
      const retryAfterMs = Math.max(1, answer.parameters?.retry_after ?? 1) * 1000;
      if (retryAfterMs <= MAX_INLINE_WAIT_MS && attempt < MAX_TRIES) {
        await sleep(retryAfterMs);
        continue;
      }
      return { ok: false, error: `Telegram: ${description}`, retryAfterMs };
    }
    if (status === 401 || status === 404) return { ok: false, error: `Telegram: токен бота не принят / the bot token was refused (${description})` };
    if (status === 400 || status === 403) return { ok: false, error: `Telegram: чат не принял сообщение / the chat refused the message (${description})` };
    return { ok: false, error: `Telegram: ${description}` };
  }
}
