// Every sandbox has the same outage switch beside its control paths: POST /_sandbox/outage
// {"status":503,"seconds":N} answers every request with that status for N seconds; seconds 0 ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinConnectors } from '../../src/connectors/index.ts';
import { startEchoTarget } from '../../src/connectors/http/echo-target.ts';
import type { SandboxHandle } from '../../src/connector-kit/types.ts';

const outage = (baseUrl: string, body: object) => fetch(`${baseUrl}/_sandbox/outage`, { method: 'POST', body: JSON.stringify(body) });

async function check(name: string, handle: SandboxHandle): Promise<void> {
  try {
    const probe = async () => (await fetch(`${handle.baseUrl}/anything`)).status;
    const normal = await probe();
    assert.notEqual(normal, 502, name);
    const on = await outage(handle.baseUrl, { status: 502, seconds: 60 });
    assert.equal(on.status, 200, name);
    assert.equal(((await on.json()) as { active: boolean }).active, true);
    assert.equal(await probe(), 502, `${name}: every request answers the outage's status`);
    const state = (await (await fetch(`${handle.baseUrl}/_sandbox/outage`)).json()) as { refused: number };
    assert.equal(state.refused, 1, name);
    assert.equal((await outage(handle.baseUrl, { seconds: 0 })).status, 200);
    assert.equal(await probe(), normal, `${name}: back as before`);
    assert.equal((await outage(handle.baseUrl, { status: 200, seconds: 1 })).status, 400, `${name}: only an error status`);
    assert.equal((await outage(handle.baseUrl, { status: 503, seconds: -1 })).status, 400);
  } finally {
    await handle.close();
  }
}

test('every sandbox takes POST /_sandbox/outage {"status":…,"seconds":N}', async () => {
  const withSandbox = builtinConnectors().list().filter((c) => c.sandbox);
  assert.ok(withSandbox.length >= 2);
  for (const c of withSandbox) await check(c.key, await c.sandbox!({ seed: 1, records: 1 }));
  const echo = await startEchoTarget();
  await check('http (echo)', { baseUrl: echo.baseUrl, credentials: {}, close: echo.close });
});
