// A workspace's alert settings: which events, which channels, how failures are grouped. What the
// API and CLI read and write. The SMTP password and the Telegram bot token are sealed apart from
// the rest (SecretBox, like connection credentials) and never come back: the view says only
// whether each is set.
import { z } from 'zod';
import type { SecretBox } from '../lib/secret-box.ts';
import { emailAddress } from '../lib/email.ts';
import type { AlertStore } from '../store/types.ts';

export const ALERT_EVENTS = ['failures', 'quota', 'connectionAuth', 'pollFailing', 'notifications'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

const eventsSchema = z
  .object({
    /** Failed executions, grouped per flow and window. */
    failures: z.boolean().default(true),
    /** The plan's quotas and its disk limit at 80 % and 100 %. */
    quota: z.boolean().default(true),
    /** A connection the service refuses (HTTP 401/403) in an execution or a poll. */
    connectionAuth: z.boolean().default(true),
    /** A polling trigger that keeps failing for `pollFailingMinutes`. */
    pollFailing: z.boolean().default(true),
    /** Every other stored notification (a service's circuit opening and closing, …). */
    notifications: z.boolean().default(true),
  })
  .strict();

const emailSchema = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().trim().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(587),
    /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    user: z.string().max(320).default(''),
    from: emailAddress,
    to: z.array(emailAddress).min(1).max(20),
  })
  .strict();

const telegramSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** A numeric chat id (negative for groups) or @channelusername. */
    chatId: z.string().trim().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/, 'chatId: a number (-100… for groups) or @channel'),
  })
  .strict();

/** The stored, secret-free part. */
export const alertSettingsSchema = z
  .object({
    enabled: z.boolean().default(false),
    events: eventsSchema.default({ failures: true, quota: true, connectionAuth: true, pollFailing: true, notifications: true }),
    /** At most one failure message per flow in this many minutes (with the count). */
    groupMinutes: z.number().int().min(1).max(1440).default(15),
    /** A poll failing this long (every poll since) is reported. */
    pollFailingMinutes: z.number().int().min(1).max(1440).default(15),
    email: emailSchema.nullable().default(null),
    telegram: telegramSchema.nullable().default(null),
  })
  .strict();

export type AlertSettings = z.infer<typeof alertSettingsSchema>;

/** The sealed part. */
const secretsSchema = z.object({ smtpPassword: z.string().optional(), telegramBotToken: z.string().optional() });
export type AlertSecrets = z.infer<typeof secretsSchema>;

/**
 * What PUT /api/v1/alerts and `svyazka alerts set` take: the settings, plus the secrets — left out
 * they keep their stored value, null clears them.
 */
export const alertSettingsInput = alertSettingsSchema.extend({
  email: emailSchema.extend({ password: z.string().max(1000).nullable().optional() }).strict().nullable().default(null),
  telegram: telegramSchema.extend({ botToken: z.string().trim().regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, 'botToken: as @BotFather gives it, 123456:ABC…').nullable().optional() }).strict().nullable().default(null),
});
export type AlertSettingsInput = z.infer<typeof alertSettingsInput>;

export const DEFAULT_SETTINGS: AlertSettings = alertSettingsSchema.parse({});

/** The settings as shown: secrets only as "set". */
export interface AlertSettingsView extends Omit<AlertSettings, 'email' | 'telegram'> {
  email: (NonNullable<AlertSettings['email']> & { passwordSet: boolean }) | null;
  telegram: (NonNullable<AlertSettings['telegram']> & { botTokenSet: boolean }) | null;
  updatedAt: string | null;
}

/** Settings and secrets opened, for the dispatcher and the test. */
export interface OpenedAlertSettings {
  workspaceId: string;
  settings: AlertSettings;
  secrets: AlertSecrets;
  updatedAt: number;
}

const aad = (workspaceId: string) => `alerts:${workspaceId}`;

export class AlertSettingsService {
  private readonly store: AlertStore;
  private readonly secrets: SecretBox;

  constructor(deps: { store: AlertStore; secrets: SecretBox }) {
    this.store = deps.store;
    this.secrets = deps.secrets;
  }

  async open(workspaceId: string): Promise<OpenedAlertSettings | undefined> {
    const stored = await this.store.getSettings(workspaceId);
    if (!stored) return undefined;
    // Settings written by an older version get today's defaults for what they lack.
    const settings = alertSettingsSchema.parse(stored.settings);
    const secrets = stored.sealedSecrets ? secretsSchema.parse(this.secrets.open(stored.sealedSecrets, aad(workspaceId))) : {};
    return { workspaceId, settings, secrets, updatedAt: stored.updatedAt };
  }

  async view(workspaceId: string): Promise<AlertSettingsView> {
    const opened = await this.open(workspaceId);
    return toView(opened?.settings ?? DEFAULT_SETTINGS, opened?.secrets ?? {}, opened?.updatedAt ?? null);
  }

  async save(workspaceId: string, input: AlertSettingsInput, now = Date.now()): Promise<AlertSettingsView> {
    const before = await this.open(workspaceId);
    const previous = before?.secrets ?? {};
    const { password, ...email } = input.email ?? { password: undefined };
    const { botToken, ...telegram } = input.telegram ?? { botToken: undefined };
    const settings: AlertSettings = { ...input, email: input.email ? (email as NonNullable<AlertSettings['email']>) : null, telegram: input.telegram ? (telegram as NonNullable<AlertSettings['telegram']>) : null };
    const secrets: AlertSecrets = {
      smtpPassword: !input.email ? undefined : password === undefined ? previous.smtpPassword : (password ?? undefined),
      telegramBotToken: !input.telegram ? undefined : botToken === undefined ? previous.telegramBotToken : (botToken ?? undefined),
    };
    const problems = missing(settings, secrets);
    if (problems.length > 0) throw new AlertSettingsError(problems.join('; '));
    const any = secrets.smtpPassword !== undefined || secrets.telegramBotToken !== undefined;
    const saved = await this.store.putSettings({ workspaceId, settings, sealedSecrets: any ? this.secrets.seal(secrets, aad(workspaceId)) : null }, now);
    // Alerts start from the moment they are switched on: nothing older is sent.
    if (settings.enabled && !before?.settings.enabled) await this.store.putState(workspaceId, 'since', { at: now }, now);
    return toView(settings, secrets, saved.updatedAt);
  }
}

export class AlertSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlertSettingsError';
  }
}

function missing(settings: AlertSettings, secrets: AlertSecrets): string[] {
  const problems: string[] = [];
  if (settings.telegram && secrets.telegramBotToken === undefined) problems.push('telegram.botToken: нужен токен бота / the bot token is required');
  if (settings.enabled && !settings.email?.enabled && !settings.telegram?.enabled) problems.push('email, telegram: включите хотя бы один канал / enable at least one channel');
  return problems;
}

function toView(settings: AlertSettings, secrets: AlertSecrets, updatedAt: number | null): AlertSettingsView {
  return {
    ...settings,
    email: settings.email ? { ...settings.email, passwordSet: secrets.smtpPassword !== undefined } : null,
    telegram: settings.telegram ? { ...settings.telegram, botTokenSet: secrets.telegramBotToken !== undefined } : null,
    updatedAt: updatedAt === null ? null : new Date(updatedAt).toISOString(),
  };
}
