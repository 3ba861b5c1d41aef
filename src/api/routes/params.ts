// Path and query parameters shared by the routes.
import { z } from 'zod';

export const id = z.object({ id: z.string().min(1).max(100) });
export const role = z.enum(['owner', 'editor', 'viewer']);
export const limit = z.coerce.number().int().min(1).max(500).default(50);
export const time = z.union([z.coerce.number().int(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);
export const executionStatus = z.enum(['queued', 'running', 'waiting', 'retrying', 'succeeded', 'failed', 'filtered', 'stopped', 'cancelled', 'quota_exceeded', 'waiting_for_service']);
