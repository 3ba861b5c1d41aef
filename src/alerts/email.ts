// E-mail alerts over SMTP (nodemailer). The SMTP host passes the outbound guard first and the
// connection goes to the address the guard checked (TLS still verifies the host's name), so a
// workspace cannot point its "mail server" at the instance's private network unless the operator
// allowed that address (SVYAZKA_OUTBOUND_ALLOW).
import type { OutboundGuard } from '../engine/outbound/guard.ts';
import type { AlertSettings } from './settings.ts';
import type { SendResult } from './telegram.ts';

const TIMEOUT_MS = 15_000;

export interface EmailMessage {
  subject: string;
  text: string;
}

type EmailSettings = NonNullable<AlertSettings['email']>;

/** Sends one message to every recipient; `verifyOnly` checks the connection and the login (the settings' test). */
export async function sendEmail(guard: OutboundGuard, settings: EmailSettings, password: string | undefined, message: EmailMessage): Promise<SendResult> {
  let address: string;
  try {
    address = (await guard.check(settings.host, settings.port)).address;
  } catch (error) {
    return { ok: false, error: `SMTP ${settings.host}:${settings.port}: ${(error as Error).message}` };
  }
  // Loaded on the first e-mail: an install that sends none spares nodemailer's ~12 MB.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: address,
    port: settings.port,
    secure: settings.secure,
    ...(settings.user ? { auth: { user: settings.user, pass: password ?? '' } } : {}),
    tls: { servername: settings.host },
    name: 'svyazka',
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ from: settings.from, to: settings.to, subject: message.subject, text: message.text });
    return { ok: true };
  } catch (error) {
    return { ok: false, error: describeSmtpError(settings, error as Error & { code?: string; responseCode?: number; response?: string }) };
  } finally {
    transport.close();
  }
}

function describeSmtpError(settings: EmailSettings, error: Error & { code?: string; responseCode?: number; response?: string }): string {
  const where = `SMTP ${settings.host}:${settings.port}`;
  const said = error.response ? ` (${error.response})` : '';
  if (error.code === 'EAUTH') return `${where}: неверный логин или пароль / login or password refused${said}`;
  if (error.code === 'ECONNREFUSED' || error.code === 'ETIMEDOUT' || error.code === 'ECONNECTION') return `${where}: сервер недоступен / cannot connect (${error.message})`;
  if (error.code === 'EENVELOPE') return `${where}: адрес не принят / an address was refused${said}`;
  return `${where}: ${error.message}`;
}
