// The server's Node flags and environment (garbage-collector and allocator settings, measured in
// bench/RESULTS.md) are written in several places: bin/svyazka.js's first line (./bin/svyazka.js,
// npx svyazka, and the Node-20 launcher, which reads it), the npm scripts that start the server,
// and the Dockerfile. They must agree, and Node must accept every flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const flagsOf = (words: string[]) => words.filter((w) => w.startsWith('--'));

/** `#!/usr/bin/env -S NAME=value node --flag …`: its environment and flags. */
function shebang(): { env: Record<string, string>; flags: string[]; length: number } {
  const line = read('bin/svyazka.js').split('\n', 1)[0];
  const words = line.split(' ');
  assert.equal(words.slice(0, 2).join(' '), '#!/usr/bin/env -S', line);
  const at = words.indexOf('node');
  const env = Object.fromEntries(words.slice(2, at).map((w) => w.split('=') as [string, string]));
  return { env, flags: flagsOf(words.slice(at + 1)), length: Buffer.byteLength(line) };
}

test('the npm scripts that start the server give node the flags and environment of bin/svyazka.js', () => {
  const { env, flags } = shebang();
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const starting = Object.entries(scripts).filter(([, s]) => s.includes('bin/svyazka.js'));
  assert.ok(starting.length >= 4, 'start, demo, start:web and start:worker');
  for (const [name, script] of starting) {
    const words = script.split(/\s+/);
    const at = words.indexOf('node');
    assert.deepEqual(flagsOf(words.slice(at + 1, words.indexOf('bin/svyazka.js'))), flags, `npm run ${name}`);
    for (const [key, value] of Object.entries(env)) assert.ok(words.slice(0, at).includes(`${key}=\${${key}:-${value}}`), `npm run ${name} sets ${key} (${script})`);
  }
});

test('the Dockerfile starts the server with the same flags and environment', () => {
  const { env, flags } = shebang();
  const dockerfile = read('Dockerfile');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
  assert.equal(cmd[0], 'node');
  assert.deepEqual(flagsOf(cmd.slice(1, cmd.indexOf('bin/svyazka.js'))), flags);
  for (const [key, value] of Object.entries(env)) assert.match(dockerfile, new RegExp(`^ENV ${key}=${value}$`, 'm'));
});

test('Node accepts every flag of the first line, which fits the kernel\'s limit', () => {
  const { flags, length } = shebang();
  // Linux reads 255 bytes of a #! line (127 before 5.1): longer, and the last flag is cut off.
  assert.ok(length <= 255, `bin/svyazka.js's first line is ${length} bytes`);
  const run = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const bad = spawnSync(process.execPath, ['--no-such-v8-flag-here', '-e', '0'], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0, 'an unknown flag is refused, so the check above can fail');
});
