// Credentials at rest: AES-256-GCM with the master key, the record's id as associated data
// (a sealed value copied onto another record will not open).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { restrictFile } from './private-files.ts';

const VERSION = 'v1';

export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('The master key must be 32 bytes (64 hex characters or 44 base64 characters)');
    this.key = key;
  }

  seal(plain: unknown, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string, aad: string): unknown {
    const [version, data] = sealed.split(':', 2);
    if (version !== VERSION || !data) throw new Error('Unknown sealed value format');
    const raw = Buffer.from(data, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
    } catch {
      throw new Error('Cannot decrypt stored credentials: the master key (SVYAZKA_SECRET_KEY or data/secret.key) is not the one they were saved with');
    }
  }
}

/** SVYAZKA_SECRET_KEY (hex or base64), else `<dataDir>/secret.key`, created with mode 0600 on first start. */
export function loadMasterKey(dataDir: string, fromEnv: string | undefined): Buffer {
  if (fromEnv) return decodeKey(fromEnv.trim(), 'SVYAZKA_SECRET_KEY');
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) {
    // A key file from an older install (or copied in by hand) may be readable by others.
    const problem = restrictFile(file);
    if (problem) process.emitWarning(`${file} may be readable by other users: cannot set its mode to 0600 (${problem})`);
    return decodeKey(readFileSync(file, 'utf8').trim(), file);
  }
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

function decodeKey(text: string, source: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error(`${source} must hold a 32-byte key as 64 hex or 44 base64 characters`);
  return key;
}
