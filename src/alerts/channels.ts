// Sends one alert to a workspace's enabled channels (e-mail, Telegram) and says how each went.
// A channel Telegram asked to wait (429 with a long retry_after) is skipped until then.
import type { OutboundGuard } from '../engine/outbound/guard.ts';
import { sendEmail } from './email.ts';
import type { AlertMessage } from './messages.ts';
import type { OpenedAlertSettings } from './settings.ts';
import { sendTelegram, type SendResult } from './telegram.ts';

export type ChannelName = 'email' | 'telegram';

export interface Delivery {
  /** At least one channel took the message. */
  ok: boolean;
  results: Partial<Record<ChannelName, SendResult>>;
}

export interface ChannelsDeps {
  guard: OutboundGuard;
  telegramApiUrl?: string;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class AlertChannels {
  private readonly deps: ChannelsDeps;
  /** Workspace → when Telegram may be asked again. */
  private readonly telegramPausedUntil = new Map<string, number>();

  constructor(deps: ChannelsDeps) {
    this.deps = deps;
  }

  /** `force`: every configured channel even if disabled (the settings' test button). */
  async send(opened: OpenedAlertSettings, message: AlertMessage, opts: { force?: boolean } = {}): Promise<Delivery> {
    const { settings, secrets, workspaceId } = opened;
    const now = this.deps.now ?? Date.now;
    const results: Delivery['results'] = {};
    const email = settings.email;
    if (email && (email.enabled || opts.force)) results.email = await sendEmail(this.deps.guard, email, secrets.smtpPassword, message);
    const telegram = settings.telegram;
    if (telegram && (telegram.enabled || opts.force)) {
      const paused = this.telegramPausedUntil.get(workspaceId) ?? 0;
      if (!opts.force && paused > now()) {
        results.telegram = { ok: false, error: 'Telegram: ждём retry_after / waiting for retry_after', retryAfterMs: paused - now() };
      } else if (!secrets.telegramBotToken) {
        results.telegram = { ok: false, error: 'Telegram: нет токена бота / no bot token' };
      } else {
        const text = `${message.subject}\n\n${message.text}`;
        const result = await sendTelegram({ guard: this.deps.guard, baseUrl: this.deps.telegramApiUrl, sleep: this.deps.sleep }, { botToken: secrets.telegramBotToken, chatId: telegram.chatId, text });
        if (!result.ok && result.retryAfterMs) this.telegramPausedUntil.set(workspaceId, now() + result.retryAfterMs);
        results.telegram = result;
      }
    }
    return { ok: Object.values(results).some((r) => r.ok), results };
  }
}
