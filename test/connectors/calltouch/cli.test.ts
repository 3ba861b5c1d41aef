// The `calltouch export` command as the CLI mounts it, against the sandbox.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import pino from 'pino';
import { calltouchCommand } from '../../../src/connectors/calltouch/cli.ts';
import { startCalltouchSandbox, type CalltouchSandbox } from '../../../src/connectors/calltouch/sandbox.ts';
import { actionCtx } from './support.ts';

let sb: CalltouchSandbox;
let dir: string;
before(async () => {
  sb = await startCalltouchSandbox({ seed: 12, records: 60 });
  dir = mkdtempSync(join(tmpdir(), 'ct-cli-'));
});
after(async () => {
  await sb.close();
  rmSync(dir, { recursive: true, force: true });
});

test('svyazka calltouch export --connection ct --from … --to … --format ndjson --out FILE', async () => {
  const opened: string[] = [];
  const progress = new PassThrough();
  let text = '';
  progress.on('data', (c) => (text += c));
  const program = new Command('svyazka').exitOverride();
  program.addCommand(
    calltouchCommand(async (ws, name) => {
      opened.push(`${ws}/${name}`);
      return { auth: sb.credentials, http: actionCtx(sb.credentials, { limitKey: 'cli' }).http, logger: pino({ level: 'silent' }), close: async () => void opened.push('closed') };
    }, { progress }),
  );
  const out = join(dir, 'd.ndjson');
  await program.parseAsync(['calltouch', 'export', '--connection', 'ct', '--from', '01/01/2018', '--to', '31/12/2018', '--order-source', 'CALL', '--with-tags', '--with-all-origins', '--format', 'ndjson', '--out', out], { from: 'user' });
  const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 30);
  assert.ok(rows.every((r) => r.orderSource.type === 'CALL' && 'tags' in r));
  assert.deepEqual(opened, ['default/ct', 'closed']);
  assert.match(text, /Готово: 30 сделок/);
});
