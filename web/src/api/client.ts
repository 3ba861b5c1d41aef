// One fetch wrapper for the whole UI: JSON in and out, the chosen workspace in `X-Workspace`,
// API errors as ApiError (status, message, and the per-field issues the API sends), and a
// session that ended sends the user to the sign-in page.

export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: ApiIssue[];
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = typeof body.error === 'string' ? body.error : 'error';
    this.issues = Array.isArray(body.issues) ? normaliseIssues(body.issues) : [];
    this.body = body;
  }
}

/** Issues come as `{path: "body.x"}` from schema checks and `{path: ["steps", 1, "input"]}`-like shapes from flow validation. */
function normaliseIssues(raw: unknown[]): ApiIssue[] {
  return raw.map((i) => {
    const issue = (i ?? {}) as { path?: unknown; message?: unknown; position?: unknown };
    const path = Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path ?? issue.position ?? '');
    return { path, message: String(issue.message ?? '') };
  });
}

const WORKSPACE_KEY = 'svyazka.workspace';
let workspace: string | null = localStorage.getItem(WORKSPACE_KEY);
let onUnauthorized: () => void = () => {};

export function setWorkspace(id: string | null): void {
  workspace = id;
  if (id) localStorage.setItem(WORKSPACE_KEY, id);
  else localStorage.removeItem(WORKSPACE_KEY);
}

export function currentWorkspace(): string | null {
  return workspace;
}

/** Called on any 401 (session expired or signed out elsewhere). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
  /** Act in this workspace instead of the chosen one (the operator's screen acts on any). */
  workspace?: string;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const url = new URL(`/api/v1${path}`, window.location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  const target = opts.workspace ?? workspace;
  if (target) headers['x-workspace'] = target;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, { error: 'network', message: 'Сервер не отвечает / The server does not answer' });
  }
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { message: text.slice(0, 500) };
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/auth/login')) onUnauthorized();
    throw new ApiError(res.status, (body ?? {}) as Record<string, unknown>);
  }
  return body as T;
}
