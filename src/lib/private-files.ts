// The data directory holds the database (every tenant's webhooks, sessions, sealed credentials)
// and the master key: only the service's own user may read it. What we create is 0700 / 0600;
// an existing directory the operator chose is tightened when we own it, and if the system does
// not let us change a mode (another owner, a mount without modes) we warn and go on.
import { chmodSync, mkdirSync, statSync } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

interface Warn {
  warn(obj: object, msg: string): void;
}

/** Creates `dir` (0700) or tightens an existing one to 0700; a mode we cannot set is a warning. */
export function preparePrivateDir(dir: string, log: Warn): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (process.platform === 'win32') return;
  const stat = statSync(dir);
  if ((stat.mode & 0o777) === PRIVATE_DIR_MODE) return;
  const problem = restrictMode(dir, PRIVATE_DIR_MODE);
  if (problem) log.warn({ dir, mode: (stat.mode & 0o777).toString(8), problem }, 'the data directory is readable by other users and its mode cannot be changed to 0700');
}

/** Sets a file we own to 0600; a missing file is fine (null), anything else is the reason it failed. */
export function restrictFile(path: string): string | null {
  return restrictMode(path, PRIVATE_FILE_MODE);
}

function restrictMode(path: string, mode: number): string | null {
  if (process.platform === 'win32') return null;
  try {
    if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
    return null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return (error as Error).message;
  }
}
