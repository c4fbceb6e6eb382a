import { describe, expect, it } from 'vitest';
import { passwordProblem, requireStrongPassword } from './password-policy.js';

describe('password policy', () => {
  it('accepts 8 to 256 characters of three kinds', () => {
    for (const password of ['Abcdefg1', 'abcdef1!', 'ABCDEF1!', 'Abcdefg!', `Aa1${'x'.repeat(253)}`]) {
      expect(passwordProblem(password)).toBeUndefined();
    }
  });

  it('refuses short, long and two-kind passwords with Graph message and a plain detail', () => {
    expect(passwordProblem('Abcde1!')).toMatch(/8 to 256/);
    expect(passwordProblem(`Aa1${'x'.repeat(254)}`)).toMatch(/8 to 256/);
    expect(passwordProblem('abcdefgh1')).toBe('A password uses three of: lowercase letters, uppercase letters, digits, symbols. This one has no uppercase letters and no symbols.');
    expect(() => requireStrongPassword('password', 'passwordProfile.password')).toThrow(
      'The specified password does not comply with password complexity requirements. Please provide a different password.',
    );
  });
});
