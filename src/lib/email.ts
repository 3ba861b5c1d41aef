// The one rule for email addresses users sign in with: `local@host`. No TLD is required, so the
// first admin `admin@localhost` and intranet addresses are valid (zod's email() refuses them).
import { z } from 'zod';

const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)*$/u;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

export const emailAddress = z
  .string()
  .trim()
  .max(254)
  .regex(EMAIL, 'an email address: name@host');
