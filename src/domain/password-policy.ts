import { AppError } from './errors.js';

/** Entra's password rules for cloud users: 8 to 256 characters, three of the four character kinds. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

const KINDS: readonly [string, RegExp][] = [
  ['lowercase letters', /[a-z]/],
  ['uppercase letters', /[A-Z]/],
  ['digits', /[0-9]/],
  ['symbols', /[^A-Za-z0-9]/],
];

/** What is wrong with a password, in plain language, or undefined when it is strong enough. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    return `A password has ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`;
  }
  const missing = KINDS.filter(([, pattern]) => !pattern.test(password)).map(([name]) => name);
  if (missing.length > 1) {
    return `A password uses three of: lowercase letters, uppercase letters, digits, symbols. This one has no ${missing.join(' and no ')}.`;
  }
  return undefined;
}

/**
 * Graph's refusal of a weak password (POST/PATCH /users passwordProfile, changePassword).
 * @throws invalidRequest
 */
export function requireStrongPassword(password: string, target: string): void {
  const problem = passwordProblem(password);
  if (problem !== undefined) {
    throw new AppError('invalidRequest', 'The specified password does not comply with password complexity requirements. Please provide a different password.', [
      { code: 'PasswordComplexity', target, message: problem },
    ]);
  }
}
