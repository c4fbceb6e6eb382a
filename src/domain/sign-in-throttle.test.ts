import { describe, expect, it } from 'vitest';
import { recordFailure, resetFailures, retryAfterSeconds, SIGN_IN_LIMITS, type FailureLog } from './sign-in-throttle.js';

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 9, 0, 0) + minutes * 60_000);
const account = (name: string) => ({ key: `account:${name}`, limit: SIGN_IN_LIMITS.account });
const accountAddress = (name: string, ip: string) => ({ key: `account-address:${name}|${ip}`, limit: SIGN_IN_LIMITS.accountAddress });
const address = (ip: string) => ({ key: `address:${ip}`, limit: SIGN_IN_LIMITS.address });

describe('sign-in throttle', () => {
  it('blocks an account from one address at its fifth failure within 15 minutes, until the oldest failure leaves the window', () => {
    const log: FailureLog = new Map();
    const keys = [accountAddress('anna', '10.0.0.1'), account('anna'), address('10.0.0.1')];
    for (let minute = 0; minute < 4; minute += 1) {
      recordFailure(log, keys, at(minute));
      expect(retryAfterSeconds(log, keys, at(minute))).toBeUndefined();
    }
    recordFailure(log, keys, at(4));
    // The failure at minute 0 counts until minute 15.
    expect(retryAfterSeconds(log, keys, at(4))).toBe(11 * 60);
    expect(retryAfterSeconds(log, keys, at(14.5))).toBe(30);
    expect(retryAfterSeconds(log, keys, at(15))).toBeUndefined();
    // The same account from another address is not blocked.
    expect(retryAfterSeconds(log, [accountAddress('anna', '10.0.0.9'), account('anna'), address('10.0.0.9')], at(4))).toBeUndefined();
  });

  it('blocks an account at 50 failures spread over many addresses, whatever the address', () => {
    const log: FailureLog = new Map();
    for (let index = 0; index < 50; index += 1) {
      const ip = `10.1.${Math.floor(index / 4)}.${index % 4}`;
      recordFailure(log, [accountAddress('carl', ip), account('carl'), address(ip)], at(0));
      expect(retryAfterSeconds(log, [accountAddress('carl', '10.9.9.9'), account('carl'), address('10.9.9.9')], at(0)) === undefined).toBe(index < 49);
    }
    expect(retryAfterSeconds(log, [accountAddress('carl', '10.9.9.9'), account('carl'), address('10.9.9.9')], at(1))).toBe(14 * 60);
  });

  it('blocks a client address at 20 failures spread over many accounts', () => {
    const log: FailureLog = new Map();
    for (let index = 0; index < 20; index += 1) {
      recordFailure(log, [account(`user${index}`), address('10.0.0.2')], at(0));
    }
    expect(retryAfterSeconds(log, [account('fresh'), address('10.0.0.2')], at(1))).toBe(14 * 60);
    expect(retryAfterSeconds(log, [account('fresh'), address('10.0.0.3')], at(1))).toBeUndefined();
  });

  it('forgets an account when it is reset, and keeps at most the limit of failure times', () => {
    const log: FailureLog = new Map();
    for (let minute = 0; minute < 9; minute += 1) {
      recordFailure(log, [accountAddress('bram', '10.0.0.4')], at(minute));
    }
    expect(log.get('account-address:bram|10.0.0.4')).toHaveLength(5);
    resetFailures(log, 'account-address:bram|10.0.0.4');
    expect(retryAfterSeconds(log, [accountAddress('bram', '10.0.0.4')], at(9))).toBeUndefined();
  });

  it('sweeps expired keys once the store grows large', () => {
    const log: FailureLog = new Map();
    for (let index = 0; index <= 10_000; index += 1) {
      log.set(`account:old${index}`, [at(0).getTime()]);
    }
    recordFailure(log, [account('new')], at(30));
    expect([...log.keys()]).toEqual(['account:new']);
  });
});
