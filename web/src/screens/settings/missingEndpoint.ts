import { ApiError } from '../../api/client.ts';

/** The server answers 404 for an API route it does not have yet (an older server). */
export function isMissingEndpoint(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && /route|not found/i.test(error.message);
}
