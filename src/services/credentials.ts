import { hash, verify } from '@node-rs/argon2';
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { RequestContext } from '../domain/context.js';
import type { Repositories } from '../db/repositories/index.js';
import type { ServiceDeps } from './deps.js';

/**
 * Password and secret primitives. Passwords are argon2id (OWASP's minimum: 19 MiB, 2 passes, one
 * lane; the library's algorithm default is argon2id); session secrets are 256-bit random values,
 * stored as SHA-256, which needs no slow hash.
 */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);

/** False for a wrong password and for a hash the library cannot read. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * The hash of a random password nobody knows, with the parameters above. Sign-in verifies against
 * it when the account does not exist (or cannot sign in), so that answer takes as long as a wrong
 * password.
 */
export const DUMMY_PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$pCQmmJbnbqgHxE6qRU83LQ$TUzOOqQdTjDExNUW0jVazBDWeTTos0MB5Ul8bvF8HSk';

/** A 256-bit random value, base64url (43 characters). */
export const randomSecret = (): string => randomBytes(32).toString('base64url');

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

// No look-alike characters (0/O, 1/l/I) and only symbols no shell expands or quotes (no ! ? * # ~
// $ or quotes), so a password read off a terminal can be typed and pasted as it is.
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const SYMBOLS = '%+,-.:@_';
const GENERATED_LENGTH = 20;

const pick = (alphabet: string): string => alphabet[randomInt(alphabet.length)] as string;

/** A generated password: 20 characters with upper and lower case letters, digits and symbols. */
export function generatePassword(): string {
  const all = UPPER + LOWER + DIGITS + SYMBOLS;
  const characters = [pick(UPPER), pick(LOWER), pick(DIGITS), pick(SYMBOLS), ...Array.from({ length: GENERATED_LENGTH - 4 }, () => pick(all))];
  // Fisher–Yates, so the guaranteed kinds do not sit at fixed places.
  for (let index = characters.length - 1; index > 0; index -= 1) {
    const other = randomInt(index + 1);
    [characters[index], characters[other]] = [characters[other] as string, characters[index] as string];
  }
  return characters.join('');
}

export type PasswordActivity = 'Reset user password' | 'Change user password' | 'Set force change user password';

/**
 * Stores a user's new password hash (in the caller's transaction), ends the user's sessions except
 * `keepSessionId`, and writes the audit row. Never records the password or its hash.
 */
export async function storePassword(
  deps: ServiceDeps,
  context: RequestContext,
  repos: Repositories,
  user: { userId: string; userPrincipalName: string },
  credential: { passwordHash: string; mustChange: boolean },
  options: { activity: PasswordActivity; keepSessionId?: string },
): Promise<void> {
  const at = deps.clock.now();
  await repos.credentials.upsert(user.userId, { ...credential, changedAt: at });
  const sessionsEnded = await repos.sessions.deleteForUser(user.userId, options.keepSessionId);
  await repos.audit.record(
    context,
    [
      {
        category: 'UserManagement',
        activity: options.activity,
        target: { type: 'User', id: user.userId, name: user.userPrincipalName },
        changes: [{ property: 'forceChangePasswordNextSignIn', before: null, after: credential.mustChange }],
        details: { sessionsEnded },
      },
    ],
    at,
    deps.ids,
  );
}
