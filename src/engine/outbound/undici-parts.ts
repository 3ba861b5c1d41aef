// The parts of undici the outbound client uses, loaded on their own. undici's index loads every
// dispatcher, its mocks, fetch, WebSocket and the caches: ~5.7 MB of heap that stays live and that
// every major collection marks again; these parts are ~2.3 MB. undici has no "exports" map, so its
// lib/ files are reachable; the version is pinned (package-lock), and a moved file fails every
// outbound test. Types are the package's own.
import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, buildConnector as undiciBuildConnector, Dispatcher } from 'undici';

const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof UndiciAgent;
export const buildConnector = require('undici/lib/core/connect.js') as typeof undiciBuildConnector;
const apiRequest = require('undici/lib/api/api-request.js') as (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/** undici's `request` through `dispatcher`, for a URL already parsed (no parse of it again here). */
export function request(dispatcher: Dispatcher, url: URL, opts: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>): Promise<Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, { ...opts, origin: url.origin, path: url.pathname + url.search });
}
