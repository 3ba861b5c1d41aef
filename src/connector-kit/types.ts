// The connector contract: everything the engine knows about a service comes through a
// ConnectorDefinition. A connector folder exports one; adding a service never touches the engine.
import type { Logger } from 'pino';

export interface Label {
  ru: string;
  en: string;
}

export type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'json';

/** One field of a catalog: an event's payload field, an action's input or output. */
export interface FieldDef {
  /** Dotted id with numeric indices, exactly as the source documents spell it. */
  id: string;
  /** Russian label from the source documents. */
  label: string;
  labelEn?: string;
  type?: FieldType;
  required?: boolean;
  /** Auth fields only: encrypted at rest, never returned by the API or logged. */
  secret?: boolean;
  /**
   * Auth fields only: where the connection's secrets are sent (a URL or host). Changing it keeps
   * no stored secret: they must be entered again, so a saved secret cannot be sent elsewhere.
   */
  destination?: boolean;
  description?: string;
  /** Closed list of allowed values. */
  options?: ReadonlyArray<{ value: string; label: string }>;
  default?: unknown;
  /** Number fields: bounds, checked when the value is coerced (see connector-kit/fields.ts). */
  min?: number;
  max?: number;
  /** A check beyond the type (a cron expression, a time zone): the problem in the user's words, or null. */
  check?(value: unknown): string | null;
}

/** Decrypted connection values, keyed by auth field id. */
export type AuthValues = Readonly<Record<string, unknown>>;

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  /** A string or Buffer is sent as is; use `json` or `form` for encoded bodies. */
  body?: string | Buffer;
  json?: unknown;
  form?: Record<string, string>;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Parsed JSON when the response is JSON, else undefined. */
  json: unknown;
}

/**
 * The HTTP client a connector gets: rate-limited per connection and metered — every request
 * it sends is one transaction. Network errors and timeouts throw TransientError; any HTTP status
 * is returned (classify it with `throwForStatus` or the connector's own envelope parser).
 */
export interface ConnectorHttp {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export interface ConnectorContext {
  auth: AuthValues;
  http: ConnectorHttp;
  logger: Logger;
  signal: AbortSignal;
}

export interface ActionContext extends ConnectorContext {
  /** Stable across retries and crash-resumes of the same step; creating actions send it. */
  idempotencyKey: string;
  executionId: string;
  stepId: string;
}

export type ActionKind = 'create' | 'update' | 'find' | 'read';

export interface ActionDefinition {
  id: string;
  label: Label;
  description?: string;
  kind: ActionKind;
  input: readonly FieldDef[];
  /**
   * Inputs beyond the catalog of the source documents (a whole `items` list as JSON, say):
   * accepted and coerced like `input`, listed apart so the catalog stays as the source spells it.
   */
  extraInput?: readonly FieldDef[];
  output: readonly FieldDef[];
  /** Throw NotFoundError for an empty find, PermanentError / TransientError for failures. */
  run(ctx: ActionContext, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface TriggerEvent {
  /** Flattened-for-templates payload; becomes `trigger` in templates. */
  payload: Record<string, unknown>;
  /** Stable id used to de-duplicate (poll triggers). */
  dedupeKey?: string;
}

export interface PollResult {
  events: TriggerEvent[];
  cursor: unknown;
  /** Changes seen and deliberately not delivered by the trigger's options, said in the log (e.g. own API changes). */
  skipped?: { count: number; reason: string };
}

export interface TriggerContext extends ConnectorContext {
  /** The trigger's options from the flow JSON (`trigger.options`). */
  options: Record<string, unknown>;
  flowId: string;
  /** How far back the workspace's plan lets marketplace triggers look for orders, in days (set by the engine). */
  parsingDays?: number;
  /** The clock polls read "now" from; the wall clock unless a test injects one. */
  now?: () => Date;
}

export interface TriggerDefinition {
  id: string;
  label: Label;
  description?: string;
  fields: readonly FieldDef[];
  /** Users may map any field of a real event, not only the catalog's. */
  extensibleFields?: boolean;
  delivery: 'webhook' | 'poll' | 'schedule';
  /** Options the flow sets on the trigger (poll interval, cron expression, …), coerced and checked by their field types at save and before each use. */
  options?: readonly FieldDef[];
  /** Webhook triggers: how to make the service call the flow's URL, in the user's language (Russian). */
  setupInstructions?(webhookUrl: string): string;
  /** Webhook triggers: turn the stored webhook body into the event (e.g. re-fetch the order). */
  prepare?(ctx: TriggerContext, body: Record<string, unknown>): Promise<TriggerEvent>;
  /** Poll triggers: new events since the cursor; the engine persists the returned cursor. */
  poll?(ctx: TriggerContext, cursor: unknown): Promise<PollResult>;
  /**
   * Poll triggers whose first poll only takes a starting point: a cursor from which `poll` reports
   * recent events, so the editor's "fetch a sample" shows real data. Never persisted.
   */
  sampleCursor?(now: Date): unknown;
  /** Poll triggers: counters kept in the stored cursor, shown with the flow (e.g. `skippedOwnChanges`). */
  pollStats?(cursor: unknown): Record<string, number>;
  /** Poll and schedule triggers: milliseconds until the next run. */
  nextRunDelayMs?(options: Record<string, unknown>, now: Date): number | null;
}

export interface SandboxHandle {
  baseUrl: string;
  /** Demo credentials, as connection auth values. */
  credentials: Record<string, string>;
  close(): Promise<void>;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  /** Same seed, same data (ids, numbers, phones, amounts); dates follow the clock. */
  seed?: number;
  records?: number;
  /** How far back the seeded data goes, in days up to now. */
  days?: number;
  /** A URL the sandbox calls on every change, as the service's own webhooks/triggers would (where it has them). */
  hook?: string;
}

/** The SandboxOptions a connector's sandbox honours (`svyazka sandbox` refuses the others). */
export type SandboxFlag = 'seed' | 'records' | 'days' | 'hook';

export interface ConnectorDefinition {
  key: string;
  label: Label;
  description?: string;
  auth: {
    fields: readonly FieldDef[];
    /** Cheap call that proves the credentials work; throws an Error with a readable (Russian) message. */
    test?(ctx: ConnectorContext): Promise<void>;
  };
  /**
   * The service's request rate, enforced by the shared limiter: per connection, or per whatever
   * `keyOf` names (the service's own unit — an account, an API key), so connections to one account
   * share one budget. `keyOf` must not put a secret in the key (keys may be logged): hash it.
   */
  limits?: { requestsPerSecond: number; keyOf?(auth: AuthValues): string };
  triggers: readonly TriggerDefinition[];
  actions: readonly ActionDefinition[];
  sandbox?(opts: SandboxOptions): Promise<SandboxHandle>;
  /** Which of SandboxOptions' data flags the sandbox honours. */
  sandboxFlags?: readonly SandboxFlag[];
}
