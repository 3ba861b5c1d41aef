// The API's flow issues mapped onto the editor's fields. Validation answers paths such as
// `steps[1] (deal).input.orderNumber`, `steps[0] (only_paid).all[0].left`, `trigger.event` or
// `name`; the editor keys its fields as `step:<key>.input.orderNumber`, so an issue stays on its
// step card when the steps are reordered before the next save.
import { inUiLanguage } from '../../lib/bilingual.ts';
import type { ApiIssue } from '../../api/client.ts';

export interface FieldIssue {
  /** Where the editor shows it: `name`, `trigger.event`, `step:<key>.input.text`, … */
  key: string;
  /** The server's path, for the summary. */
  path: string;
  message: string;
}

/** `steps[1] (deal).all[0].left` → `steps.1.all.0.left`. */
export function normalisePath(path: string): string {
  return path
    .replace(/\s*\([^)]*\)/g, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/^\./, '');
}

export function mapIssues(issues: readonly ApiIssue[], stepKeys: readonly string[]): FieldIssue[] {
  return issues.map((issue) => {
    const normal = normalisePath(issue.path);
    const m = /^steps\.(\d+)(.*)$/.exec(normal);
    const key = m && stepKeys[Number(m[1])] !== undefined ? `step:${stepKeys[Number(m[1])]}${m[2]}` : normal;
    return { key, path: issue.path, message: inUiLanguage(issue.message) };
  });
}

/** Messages for exactly `key` or anything under it (`key.…`). */
export function issuesUnder(issues: readonly FieldIssue[], key: string): string[] {
  return issues.filter((i) => i.key === key || i.key.startsWith(`${key}.`)).map((i) => i.message);
}

/** Messages for exactly `key`. */
export function issuesAt(issues: readonly FieldIssue[], key: string): string[] {
  return issues.filter((i) => i.key === key).map((i) => i.message);
}
