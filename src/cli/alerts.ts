// `svyazka alerts show|set|test`: the workspace's alert settings from the command line. `set`
// changes only what its options name; secrets (SMTP password, bot token) are read from stdin so
// they stay out of shell history and `ps`.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { alertsOf, lastDelivery, testAlerts } from '../alerts/index.ts';
import { ALERT_EVENTS, alertSettingsInput, type AlertSettingsInput, type AlertSettingsView } from '../alerts/settings.ts';
import { recordCliChange } from '../engine/audit.ts';
import { print, withServices, workspaceId } from './kit.ts';

interface SetOptions {
  workspace: string;
  on?: boolean;
  off?: boolean;
  groupMinutes?: string;
  pollMinutes?: string;
  events?: string;
  smtp?: string;
  smtpSecure?: boolean;
  smtpUser?: string;
  smtpFrom?: string;
  smtpTo?: string;
  smtpPasswordStdin?: boolean;
  email?: boolean;
  telegramChat?: string;
  telegramTokenStdin?: boolean;
  telegram?: boolean;
  json?: boolean;
}

function describe(v: AlertSettingsView & { lastDelivery: unknown }): string {
  const on = Object.entries(v.events).filter(([, x]) => x).map(([k]) => k);
  const last = v.lastDelivery as { at: string; subject: string; ok: boolean; errors: string[] } | null;
  return [
    `Alerts ${v.enabled ? 'on' : 'off'}; events: ${on.join(', ') || 'none'}; failures grouped per ${v.groupMinutes} min; polls reported after ${v.pollFailingMinutes} min`,
    v.email ? `  e-mail    ${v.email.enabled ? 'on ' : 'off'} ${v.email.user ? `${v.email.user}@` : ''}${v.email.host}:${v.email.port}${v.email.secure ? ' (TLS)' : ''} from ${v.email.from} to ${v.email.to.join(', ')}; password ${v.email.passwordSet ? 'set' : 'not set'}` : '  e-mail    not configured',
    v.telegram ? `  telegram  ${v.telegram.enabled ? 'on ' : 'off'} chat ${v.telegram.chatId}; bot token ${v.telegram.botTokenSet ? 'set' : 'not set'}` : '  telegram  not configured',
    last ? `  last sent ${last.at} ${last.ok ? 'ok' : 'FAILED'}: ${last.subject}${last.errors.length ? ` — ${last.errors.join('; ')}` : ''}` : '  last sent never',
  ].join('\n') + '\n';
}

function whole(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be a whole number`);
  return n;
}

function stdinSecret(what: string): string {
  if (process.stdin.isTTY) process.stderr.write(`${what} (end with Ctrl-D): `);
  return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
}

/** The current settings changed by the options; secrets left out keep their stored value. */
export function applyOptions(current: AlertSettingsView, o: SetOptions): AlertSettingsInput {
  if (o.smtpPasswordStdin && o.telegramTokenStdin) throw new Error('one secret from stdin at a time: run set twice');
  const { updatedAt: _u, ...base } = current;
  const events = o.events === undefined ? base.events : Object.fromEntries(ALERT_EVENTS.map((e) => [e, o.events!.split(',').map((x) => x.trim()).includes(e)]));
  if (o.events !== undefined) for (const e of o.events.split(',').map((x) => x.trim()).filter(Boolean)) if (!(ALERT_EVENTS as readonly string[]).includes(e)) throw new Error(`--events: unknown "${e}" (events: ${ALERT_EVENTS.join(', ')})`);
  let email: Record<string, unknown> | null = base.email ? (({ passwordSet: _p, ...rest }) => rest)(base.email) : null;
  if (o.email === false) email = null;
  else if (o.smtp || o.smtpUser !== undefined || o.smtpFrom || o.smtpTo || o.smtpSecure || o.smtpPasswordStdin) {
    const [host, port] = o.smtp ? o.smtp.split(/:(?=\d+$)/) : [email?.host, email?.port];
    email = {
      ...email,
      enabled: true,
      host,
      port: port === undefined ? (email?.port ?? 587) : Number(port),
      ...(o.smtpSecure ? { secure: true } : {}),
      ...(o.smtpUser !== undefined ? { user: o.smtpUser } : {}),
      ...(o.smtpFrom ? { from: o.smtpFrom } : {}),
      ...(o.smtpTo ? { to: o.smtpTo.split(',').map((x) => x.trim()).filter(Boolean) } : {}),
      ...(o.smtpPasswordStdin ? { password: stdinSecret('SMTP password') } : {}),
    };
  }
  let telegram: Record<string, unknown> | null = base.telegram ? (({ botTokenSet: _t, ...rest }) => rest)(base.telegram) : null;
  if (o.telegram === false) telegram = null;
  else if (o.telegramChat || o.telegramTokenStdin) {
    telegram = { ...telegram, enabled: true, ...(o.telegramChat ? { chatId: o.telegramChat } : {}), ...(o.telegramTokenStdin ? { botToken: stdinSecret('Telegram bot token') } : {}) };
  }
  const parsed = alertSettingsInput.safeParse({
    ...base,
    enabled: o.on ? true : o.off ? false : base.enabled,
    events,
    groupMinutes: whole(o.groupMinutes, '--group-minutes') ?? base.groupMinutes,
    pollFailingMinutes: whole(o.pollMinutes, '--poll-minutes') ?? base.pollFailingMinutes,
    email,
    telegram,
  });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

export function registerAlertsCommands(program: Command): void {
  const alerts = program.command('alerts').description('Alerts by e-mail and Telegram: failed executions, quota, refused connections, failing polls, notices');
  alerts
    .command('show')
    .description('The alert settings (secrets only as set / not set) and the last delivery')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output (GET /api/v1/alerts)')
    .action((opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const view = { ...(await alertsOf(s).settings.view(wsId)), lastDelivery: await lastDelivery(s, wsId) };
        if (opts.json) return print(view);
        process.stdout.write(describe(view));
      }),
    );
  alerts
    .command('set')
    .description('Change the alert settings; what no option names stays as it is')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--on', 'send alerts')
    .option('--off', 'send none')
    .option('--group-minutes <n>', 'at most one failure message per flow in this many minutes (1–1440)')
    .option('--poll-minutes <n>', 'report a poll failing this long (1–1440)')
    .option('--events <list>', `the events to send, comma-separated: ${ALERT_EVENTS.join(',')}`)
    .option('--smtp <host:port>', 'SMTP server')
    .option('--smtp-secure', 'implicit TLS (port 465); otherwise STARTTLS when offered')
    .option('--smtp-user <user>', 'SMTP login')
    .option('--smtp-from <email>', 'From address')
    .option('--smtp-to <emails>', 'recipients, comma-separated')
    .option('--smtp-password-stdin', 'read the SMTP password from stdin')
    .option('--no-email', 'remove the e-mail channel')
    .option('--telegram-chat <id>', 'chat id (-100… for groups) or @channel')
    .option('--telegram-token-stdin', "read the bot's token (from @BotFather) from stdin")
    .option('--no-telegram', 'remove the Telegram channel')
    .option('--json', 'JSON output')
    .addHelpText('after', '\nExamples:\n  printf %s "$SMTP_PASS" | svyazka alerts set --smtp smtp.yandex.ru:465 --smtp-secure --smtp-user shop@yandex.ru \\\n      --smtp-from shop@yandex.ru --smtp-to ops@shop.ru --smtp-password-stdin\n  printf %s "$BOT_TOKEN" | svyazka alerts set --telegram-chat -1001234567890 --telegram-token-stdin --on\n  svyazka alerts test')
    .action((opts: SetOptions) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const service = alertsOf(s).settings;
        const input = applyOptions(await service.view(wsId), opts);
        const saved = await service.save(wsId, input);
        await recordCliChange(s.store, {
          workspaceId: wsId,
          action: 'alerts.update',
          target: { type: 'alerts', id: 'alerts', name: null },
          details: { enabled: saved.enabled, channels: [...(saved.email ? ['email'] : []), ...(saved.telegram ? ['telegram'] : [])], secretsChanged: [...(opts.smtpPasswordStdin ? ['email.password'] : []), ...(opts.telegramTokenStdin ? ['telegram.botToken'] : [])] },
        });
        const view = { ...saved, lastDelivery: await lastDelivery(s, wsId) };
        if (opts.json) return print(view);
        process.stdout.write(describe(view));
      }),
    );
  alerts
    .command('test')
    .description('Send a test message through every configured channel and say how each went')
    .option('-w, --workspace <slug>', 'workspace', 'default')
    .option('--json', 'JSON output (POST /api/v1/alerts/test)')
    .action((opts: { workspace: string; json?: boolean }) =>
      withServices(async (s) => {
        const wsId = await workspaceId(s, opts.workspace);
        const result = await testAlerts(alertsOf(s), wsId, s.config.publicUrl);
        if (Object.keys(result.channels).length === 0) throw new Error('Настройте e-mail или Telegram / Configure e-mail or Telegram first: svyazka alerts set --help');
        if (!result.ok) process.exitCode = 1;
        if (opts.json) return print(result);
        for (const [name, r] of Object.entries(result.channels)) process.stdout.write(`${name.padEnd(9)} ${r.ok ? 'ok' : `FAILED: ${r.error}`}\n`);
      }),
    );
}
