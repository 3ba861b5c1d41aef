// Workspace variables (`{{vars.NAME}}`) and what a run may see of the process environment
// (`{{env.NAME}}`, only in the workspaces the operator lists). Every value is sealed at rest,
// bound to its workspace and name; a secret one is never shown again after saving and is masked
// (`[secret:NAME]`) wherever a run writes: journals, test-run answers, log lines.
import type { Logger } from 'pino';
import { isPlainObject } from '../lib/json.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { StoredVariable, Store } from '../store/types.ts';

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_VARIABLE_BYTES = 64 * 1024;

export class VariableError extends Error {
  readonly field: string;
  constructor(message: string, field: string) {
    super(message);
    this.name = 'VariableError';
    this.field = field;
  }
}

export interface VariableView {
  name: string;
  secret: boolean;
  /** null for a secret: it is never returned after saving. */
  value: string | null;
  /** Always true for a stored variable; says "a value is saved" where `value` is null. */
  set: true;
  createdAt: string;
  updatedAt: string;
}

/** What one run (execution or test run) of a workspace sees, read afresh for each run. */
export interface RunScope {
  vars: Readonly<Record<string, string>>;
  env: Record<string, string>;
  masker: Masker;
  /** Seals a step's real output for the journal (bound to the workspace and `key`), when the shown copy is masked. */
  seal(value: unknown, key: string): string;
  open(sealed: string, key: string): unknown;
}

export interface VariablesDeps {
  store: Pick<Store, 'variables' | 'getWorkspace'>;
  secrets: SecretBox;
  /** SVYAZKA_ENV_* values. */
  templateEnv: Record<string, string>;
  /** Workspace slugs that may use `env`; `*` allows every workspace. */
  envWorkspaces: readonly string[];
}

const aad = (workspaceId: string, name: string) => `var:${workspaceId}:${name}`;

export function checkVariableName(name: string): void {
  if (!VARIABLE_NAME.test(name)) {
    throw new VariableError(`variable name "${name.slice(0, 80)}" is invalid: a letter or "_" first, then letters, digits or "_", at most 64 characters`, 'name');
  }
}

export class Variables {
  private readonly deps: VariablesDeps;
  private readonly opened = new WeakMap<readonly StoredVariable[], { vars: Readonly<Record<string, string>>; masker: Masker }>();

  constructor(deps: VariablesDeps) {
    this.deps = deps;
  }

  async list(workspaceId: string): Promise<VariableView[]> {
    return (await this.deps.store.variables.list(workspaceId)).map((v) => this.view(v));
  }

  /**
   * Creates or replaces a variable. `value` left out keeps the stored one (a form cannot send a
   * secret back); turning a secret into a plain variable needs a new value, or it would show the secret.
   */
  async set(workspaceId: string, name: string, change: { value?: string; secret: boolean }): Promise<VariableView> {
    checkVariableName(name);
    const existing = await this.deps.store.variables.get(workspaceId, name);
    let value = change.value;
    if (value === undefined) {
      if (!existing) throw new VariableError(`variable "${name}" does not exist yet: give its value`, 'value');
      if (existing.secret && !change.secret) throw new VariableError('a secret variable becomes plain only with a new value (the saved one stays hidden)', 'value');
      value = this.open(existing);
    }
    if (Buffer.byteLength(value, 'utf8') > MAX_VARIABLE_BYTES) throw new VariableError(`value is over ${MAX_VARIABLE_BYTES / 1024} KB`, 'value');
    const saved = await this.deps.store.variables.put({ workspaceId, name, sealedValue: this.deps.secrets.seal(value, aad(workspaceId, name)), secret: change.secret }, Date.now());
    return this.view(saved);
  }

  async delete(workspaceId: string, name: string): Promise<boolean> {
    checkVariableName(name);
    return this.deps.store.variables.delete(workspaceId, name);
  }

  async envAllowed(workspaceId: string): Promise<boolean> {
    const allowed = this.deps.envWorkspaces;
    if (allowed.includes('*')) return true;
    const ws = await this.deps.store.getWorkspace(workspaceId);
    return !!ws && allowed.includes(ws.slug);
  }

  /** The workspace's variables in clear, its `env` (empty unless allowed) and the masker of its secrets. */
  async forRun(workspaceId: string): Promise<RunScope> {
    const stored = await this.deps.store.variables.list(workspaceId);
    // A store that hands back the same list while nothing changed spares the decryption too.
    let opened = this.opened.get(stored);
    if (!opened) this.opened.set(stored, (opened = this.openAll(stored)));
    const { vars, masker } = opened;
    const env = Object.keys(this.deps.templateEnv).length > 0 && (await this.envAllowed(workspaceId)) ? { ...this.deps.templateEnv } : {};
    const aadOf = (key: string) => `run:${workspaceId}:${key}`;
    return {
      vars,
      env,
      masker,
      seal: (value, key) => this.deps.secrets.seal(value, aadOf(key)),
      open: (sealed, key) => this.deps.secrets.open(sealed, aadOf(key)),
    };
  }

  private openAll(stored: readonly StoredVariable[]): { vars: Readonly<Record<string, string>>; masker: Masker } {
    const vars: Record<string, string> = {};
    const secrets: Array<{ name: string; value: string }> = [];
    for (const v of stored) {
      const value = this.open(v);
      vars[v.name] = value;
      if (v.secret) secrets.push({ name: v.name, value });
    }
    return { vars: Object.freeze(vars), masker: new Masker(secrets) };
  }

  private open(v: StoredVariable): string {
    const value = this.deps.secrets.open(v.sealedValue, aad(v.workspaceId, v.name));
    if (typeof value !== 'string') throw new Error(`variable "${v.name}" holds no text value`);
    return value;
  }

  private view(v: StoredVariable): VariableView {
    return {
      name: v.name,
      secret: v.secret,
      value: v.secret ? null : this.open(v),
      set: true,
      createdAt: new Date(v.createdAt).toISOString(),
      updatedAt: new Date(v.updatedAt).toISOString(),
    };
  }
}

/**
 * Replaces secret values inside strings (and the URL-encoded and JSON-escaped forms a request
 * may carry them in) with `[secret:NAME]`. Longest first, so a secret that contains another is
 * masked whole. Values turned into something else (base64 of user:password) are not recognized.
 */
export class Masker {
  private readonly needles: Array<{ text: string; mark: string }>;

  constructor(secrets: ReadonlyArray<{ name: string; value: string }>) {
    const needles = new Map<string, string>();
    for (const { name, value } of secrets) {
      if (!value) continue;
      const mark = `[secret:${name}]`;
      for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) if (!needles.has(form)) needles.set(form, mark);
    }
    this.needles = [...needles].map(([text, mark]) => ({ text, mark })).sort((a, b) => b.text.length - a.text.length);
  }

  get empty(): boolean {
    return this.needles.length === 0;
  }

  text(value: string): string {
    return this.maskText(value);
  }

  /** A copy with every string (keys too) masked; plain objects and arrays are walked, Errors become masked copies. */
  value<T>(value: T): T {
    return this.mask(value).value;
  }

  /** Like `value`, and says whether any secret was found (so the caller need not compare copies). */
  mask<T>(value: T): { value: T; changed: boolean } {
    if (this.empty) return { value, changed: false };
    const found = { changed: false };
    return { value: this.walk(value, 0, found) as T, changed: found.changed };
  }

  private maskText(value: string, found?: { changed: boolean }): string {
    let out = value;
    for (const { text, mark } of this.needles) {
      if (!out.includes(text)) continue;
      out = out.split(text).join(mark);
      if (found) found.changed = true;
    }
    return out;
  }

  private walk(node: unknown, depth: number, found: { changed: boolean }): unknown {
    if (typeof node === 'string') return this.maskText(node, found);
    if (depth > 64 || node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map((v) => this.walk(v, depth + 1, found));
    if (node instanceof Error) {
      const copy = new Error(this.maskText(node.message, found));
      copy.name = node.name;
      copy.stack = node.stack === undefined ? undefined : this.maskText(node.stack, found);
      return copy;
    }
    if (!isPlainObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const key = this.maskText(k, found);
      if (key === '__proto__') Object.defineProperty(out, key, { value: this.walk(v, depth + 1, found), enumerable: true, writable: true, configurable: true });
      else out[key] = this.walk(v, depth + 1, found);
    }
    return out;
  }
}

const LOG_METHODS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);

/** A logger whose lines (fields, messages, child bindings) have the secrets masked before pino sees them. */
export function maskedLogger(logger: Logger, masker: Masker): Logger {
  if (masker.empty) return logger;
  return new Proxy(logger, {
    get(target, prop, receiver) {
      const original = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || typeof original !== 'function') return original;
      if (LOG_METHODS.has(prop)) return (...args: unknown[]) => (original as (...a: unknown[]) => void).apply(target, args.map((a) => masker.value(a)));
      if (prop === 'child') {
        return (bindings: Record<string, unknown>, options?: unknown) => maskedLogger((original as (b: unknown, o?: unknown) => Logger).call(target, masker.value(bindings), options), masker);
      }
      return original;
    },
  });
}
