// Alert settings through the API as the web UI and scripts use them: owners only, secrets go in
// and never come out, the test button names what went wrong per channel (a refused SMTP login,
// a wrong bot token), and an SMTP host on a private network is refused unless allowed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.ts';
import { startTelegramSandbox, type TelegramSandbox } from '../../src/alerts/telegram-sandbox.ts';
import { sendEmail } from '../../src/alerts/email.ts';
import { OutboundGuard } from '../../src/engine/outbound/guard.ts';
import { mailText, startSmtp, type TestSmtp } from './support.ts';

let app: TestApp;
let smtp: TestSmtp;
let tg: TelegramSandbox;

before(async () => {
  smtp = await startSmtp();
  tg = await startTelegramSandbox();
  process.env.SVYAZKA_TELEGRAM_API_URL = tg.baseUrl;
  app = await startTestApp();
});
after(async () => {
  await app.close();
  await smtp.close();
  await tg.close();
});

const settings = (password: string | undefined, botToken?: string) => ({
  enabled: false,
  groupMinutes: 10,
  email: { host: '127.0.0.1', port: smtp.port, user: smtp.user, ...(password === undefined ? {} : { password }), from: 'svyazka@shop.test', to: ['ops@shop.test'] },
  telegram: { chatId: tg.chatId, ...(botToken === undefined ? {} : { botToken }) },
});

test('owners set alerts; the password and the bot token are never returned; the test reports a bad SMTP password', async () => {
  const empty = await app.api('/api/v1/alerts');
  assert.equal(empty.status, 200);
  assert.equal(empty.json.enabled, false);
  assert.equal(empty.json.email, null);

  const saved = await app.api('/api/v1/alerts', { method: 'PUT', body: settings('wrong-password', tg.token) });
  assert.equal(saved.status, 200, JSON.stringify(saved.json));
  assert.equal(saved.json.email.passwordSet, true);
  assert.equal(saved.json.telegram.botTokenSet, true);
  const read = await app.api('/api/v1/alerts');
  const text = JSON.stringify(read.json);
  assert.equal(text.includes('wrong-password'), false);
  assert.equal(text.includes(tg.token), false);
  assert.equal(read.json.groupMinutes, 10);

  const tested = await app.api('/api/v1/alerts/test', { method: 'POST' });
  assert.equal(tested.status, 200, JSON.stringify(tested.json));
  assert.equal(tested.json.ok, false);
  assert.equal(tested.json.channels.email.ok, false);
  assert.match(tested.json.channels.email.error, /неверный логин или пароль \/ login or password refused/);
  assert.equal(tested.json.channels.telegram.ok, true);
  assert.equal(smtp.refused >= 1, true);
  assert.match(tg.messages.at(-1)!.text, /Проверка: уведомления Связки доходят сюда/);

  // The password alone changes; the bot token left out is kept.
  const fixed = await app.api('/api/v1/alerts', { method: 'PUT', body: settings(smtp.password) });
  assert.equal(fixed.json.telegram.botTokenSet, true);
  const ok = await app.api('/api/v1/alerts/test', { method: 'POST' });
  assert.deepEqual(ok.json, { ok: true, channels: { email: { ok: true }, telegram: { ok: true } } });
  assert.match(mailText(smtp.mails.at(-1)!.raw), /Test: Svyazka alerts reach this place/);

  // A wrong bot token and an unknown chat are named as such.
  await app.api('/api/v1/alerts', { method: 'PUT', body: { ...settings(undefined, '999:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), email: null } });
  const badToken = await app.api('/api/v1/alerts/test', { method: 'POST' });
  assert.match(badToken.json.channels.telegram.error, /токен бота не принят \/ the bot token was refused/);
  assert.equal(JSON.stringify(badToken.json).includes('999:AAAA'), false, 'the token is not echoed');
  await app.api('/api/v1/alerts', { method: 'PUT', body: { ...settings(undefined, tg.token), email: null, telegram: { chatId: '-42', botToken: tg.token } } });
  const badChat = await app.api('/api/v1/alerts/test', { method: 'POST' });
  assert.match(badChat.json.channels.telegram.error, /chat not found/);
});

test('settings are validated; enabling needs a channel; editors and viewers are refused', async () => {
  const noChannel = await app.api('/api/v1/alerts', { method: 'PUT', body: { enabled: true, email: null, telegram: null } });
  assert.equal(noChannel.status, 400);
  assert.match(noChannel.json.message, /включите хотя бы один канал/);
  const badChat = await app.api('/api/v1/alerts', { method: 'PUT', body: { telegram: { chatId: 'not a chat', botToken: tg.token } } });
  assert.equal(badChat.status, 400);
  const noToken = await app.api('/api/v1/alerts', { method: 'PUT', body: { telegram: null, email: null } });
  assert.equal(noToken.status, 200);
  const again = await app.api('/api/v1/alerts', { method: 'PUT', body: { telegram: { chatId: tg.chatId } } });
  assert.equal(again.status, 400, 'a cleared token is not silently brought back');
  for (const role of ['editor', 'viewer'] as const) {
    const token = await app.createToken('default', role);
    assert.equal((await app.api('/api/v1/alerts', { token })).status, 403);
    assert.equal((await app.api('/api/v1/alerts/test', { method: 'POST', token })).status, 403);
  }
});

test('an SMTP host on loopback is refused by the outbound guard unless allowed', async () => {
  const refused = await sendEmail(new OutboundGuard({ allow: [] }), { enabled: true, host: '127.0.0.1', port: smtp.port, secure: false, user: '', from: 'a@b.c', to: ['d@e.f'] }, undefined, { subject: 's', text: 't' });
  assert.equal(refused.ok, false);
  assert.match((refused as { error: string }).error, /запрещён для исходящих запросов/);
});
