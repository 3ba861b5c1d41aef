// On a fresh data dir `serve` (and `demo`) create the first admin, owner of the default workspace
// and the instance's operator, and print their credentials once: the way into the web UI.
import { randomBytes } from 'node:crypto';
import type { Services } from '../services.ts';
import { hashPassword, hashSecret, newApiToken } from '../api/auth.ts';

export interface FirstAdmin {
  userId: string;
  email: string;
  /** null: the email belonged to an existing user, who keeps their own password. */
  password: string | null;
  apiToken: string;
}

/** Creates the first admin (an operator) when the default workspace has no member yet; null otherwise. */
export async function ensureFirstAdmin(s: Services): Promise<FirstAdmin | null> {
  if ((await s.store.listMembers(s.defaultWorkspace.id)).length > 0) return null;
  const password = randomBytes(12).toString('base64url');
  const email = s.config.adminEmail;
  // A user created earlier (`svyazka user create` in another workspace) keeps their password.
  const existing = await s.store.getUserByEmail(email);
  const admin = existing ?? (await s.store.createUser({ email, name: 'Admin', passwordHash: await hashPassword(password) }));
  await s.store.setMember(s.defaultWorkspace.id, admin.id, 'owner');
  await s.store.access.addOperator(admin.id, Date.now());
  const apiToken = newApiToken();
  await s.store.createApiToken({ workspaceId: s.defaultWorkspace.id, userId: admin.id, role: 'owner', name: 'first start', tokenHash: hashSecret(apiToken) });
  return { userId: admin.id, email, password: existing ? null : password, apiToken };
}

export function describeFirstAdmin(admin: FirstAdmin, publicUrl: string): string {
  return [
    '',
    `First start: ${admin.password === null ? 'an existing user became the admin' : 'an admin was created'}. This is shown once — keep it.`,
    `  web UI:    ${publicUrl}  (sign in with this email and password)`,
    `  email:     ${admin.email}`,
    `  password:  ${admin.password ?? '(their own)'}`,
    `  API token: ${admin.apiToken}`,
    `  try:       curl -H "Authorization: Bearer ${admin.apiToken}" ${publicUrl}/api/v1/flows`,
    '',
  ].join('\n') + '\n';
}
