// The source documents (../shared/seeds beside the repository) exist on the team's machines and
// in CI, not in every clone: tests that read them skip with this reason when they are absent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SEEDS = fileURLToPath(new URL('../../../shared/seeds/', import.meta.url));

export const seedsMissing: string | false = existsSync(SEEDS) ? false : `the source documents are not beside the repository (${SEEDS})`;

/** A seed document's text, or '' when the seeds are absent (the tests using it are skipped). */
export function readSeed(name: string): string {
  return seedsMissing ? '' : readFileSync(join(SEEDS, name), 'utf8');
}
