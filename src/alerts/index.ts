// Alerts wired from the running services: settings (API, CLI), the channels, the test button and
// the background dispatcher. SVYAZKA_TELEGRAM_API_URL points Telegram elsewhere (a local Bot API
// server, or the sandbox in tests); it passes the outbound guard like every other address.
import { z } from 'zod';
import type { Services } from '../services.ts';
import { AlertChannels, type ChannelName } from './channels.ts';
import { AlertDispatcher, type LastDelivery } from './dispatcher.ts';
import { testMessage } from './messages.ts';
import { AlertSettingsService } from './settings.ts';
import { TELEGRAM_API_URL } from './telegram.ts';

export function telegramApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  return z.string().url().default(TELEGRAM_API_URL).parse(env.SVYAZKA_TELEGRAM_API_URL || undefined);
}

export interface Alerts {
  settings: AlertSettingsService;
  channels: AlertChannels;
}

export function alertsOf(s: Pick<Services, 'store' | 'secrets' | 'outbound'>, opts: { telegramApiUrl?: string; sleep?: (ms: number) => Promise<void>; now?: () => number } = {}): Alerts {
  return {
    settings: new AlertSettingsService({ store: s.store.alerts, secrets: s.secrets }),
    channels: new AlertChannels({ guard: s.outbound, telegramApiUrl: opts.telegramApiUrl ?? telegramApiUrl(), sleep: opts.sleep, now: opts.now }),
  };
}

export function startAlertDispatcher(s: Services, opts: { intervalMs?: number; active?: () => boolean } = {}): AlertDispatcher {
  const alerts = alertsOf(s);
  const dispatcher = new AlertDispatcher({ store: s.store, settings: alerts.settings, channels: alerts.channels, logger: s.logger, publicUrl: s.config.publicUrl, intervalMs: opts.intervalMs, active: opts.active });
  dispatcher.start();
  return dispatcher;
}

export interface TestResult {
  ok: boolean;
  channels: Partial<Record<ChannelName, { ok: boolean; error?: string }>>;
}

/** The settings' test: one message through every configured channel, enabled or not, each result named. */
export async function testAlerts(alerts: Alerts, workspaceId: string, publicUrl: string): Promise<TestResult> {
  const opened = await alerts.settings.open(workspaceId);
  if (!opened || (!opened.settings.email && !opened.settings.telegram)) {
    return { ok: false, channels: {} };
  }
  const delivery = await alerts.channels.send(opened, testMessage(publicUrl), { force: true });
  const channels: TestResult['channels'] = {};
  for (const [name, r] of Object.entries(delivery.results) as Array<[ChannelName, (typeof delivery.results)[ChannelName]]>) {
    channels[name] = r!.ok ? { ok: true } : { ok: false, error: r!.error };
  }
  return { ok: Object.values(channels).every((c) => c.ok), channels };
}

export async function lastDelivery(s: Pick<Services, 'store'>, workspaceId: string): Promise<LastDelivery | null> {
  return ((await s.store.alerts.getState(workspaceId, 'lastDelivery')) as LastDelivery | undefined) ?? null;
}
