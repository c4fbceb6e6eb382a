import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { checkResolvedAddresses, checkWebhookUrl, classifyAddress } from './webhook-url.js';

const strict = { allowPrivateNetworks: false };
const open = { allowPrivateNetworks: true };

const refusal = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalidRequest');
    return (error as AppError).message;
  }
  throw new Error('expected a refusal');
};

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['100.127.255.255', 'shared (carrier-grade NAT)'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['not-an-address', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '169.253.255.255', '2606:4700::1111', '::ffff:8.8.8.8', '2001:db8::1'])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });
});

describe('checkWebhookUrl', () => {
  it('accepts a public https URL and normalises it', () => {
    expect(checkWebhookUrl('https://93.184.215.14:8443/hooks/allot?x=1#frag', strict)).toEqual({
      url: 'https://93.184.215.14:8443/hooks/allot?x=1',
      hostname: '93.184.215.14',
      literalAddress: '93.184.215.14',
    });
    expect(checkWebhookUrl('http://hooks.example.com/a', strict)).toEqual({ url: 'http://hooks.example.com/a', hostname: 'hooks.example.com', literalAddress: undefined });
  });

  it('refuses loopback, private, link-local and metadata addresses by default', () => {
    expect(refusal(() => checkWebhookUrl('http://127.0.0.1:8080/hook', strict))).toBe(
      'The webhook URL is not allowed: 127.0.0.1 is a loopback address (webhooks go to public addresses only, unless the operator sets ALLOT_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true).',
    );
    expect(refusal(() => checkWebhookUrl('https://10.0.0.5/hook', strict))).toContain('10.0.0.5 is a private address');
    expect(refusal(() => checkWebhookUrl('http://169.254.169.254/latest/meta-data/', strict))).toContain('169.254.169.254 is a link-local address');
    expect(refusal(() => checkWebhookUrl('http://[::1]:3000/hook', strict))).toContain('::1 is a loopback address');
    expect(refusal(() => checkWebhookUrl('http://[::ffff:10.0.0.1]/hook', strict))).toContain('is a private address');
    expect(refusal(() => checkWebhookUrl('http://localhost:3000/hook', strict))).toContain('localhost is a loopback address');
    expect(refusal(() => checkWebhookUrl('http://0.0.0.0/hook', strict))).toContain('is an unspecified address');
  });

  it('sees through numeric spellings of an address', () => {
    expect(refusal(() => checkWebhookUrl('http://2130706433/hook', strict))).toContain('127.0.0.1 is a loopback address');
    expect(refusal(() => checkWebhookUrl('http://0x7f.1/hook', strict))).toContain('127.0.0.1 is a loopback address');
  });

  it('allows private receivers when the operator allows them', () => {
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', open).literalAddress).toBe('127.0.0.1');
    expect(checkWebhookUrl('http://[::1]:8080/hook', open).hostname).toBe('::1');
  });

  it('refuses credentials, other schemes, relative and overlong URLs, even when private networks are allowed', () => {
    expect(refusal(() => checkWebhookUrl('http://user:pass@hooks.example.com/', open))).toBe(
      'The webhook URL is not allowed: it carries a user name or password; put a secret in the path or verify the Allot-Signature header instead.',
    );
    expect(refusal(() => checkWebhookUrl('ftp://hooks.example.com/', open))).toBe('The webhook URL is not allowed: the scheme must be https or http, not ftp.');
    expect(refusal(() => checkWebhookUrl('/relative/hook', open))).toBe("The webhook URL is not allowed: '/relative/hook' is not an absolute URL.");
    expect(refusal(() => checkWebhookUrl(`https://hooks.example.com/${'a'.repeat(2048)}`, open))).toBe('The webhook URL is not allowed: it is longer than 2048 characters.');
  });
});

describe('checkResolvedAddresses', () => {
  it('refuses a host when any of its addresses is not public', () => {
    expect(() => checkResolvedAddresses('hooks.example.com', ['93.184.215.14'], strict)).not.toThrow();
    expect(refusal(() => checkResolvedAddresses('hooks.example.com', ['93.184.215.14', '10.0.0.7'], strict))).toContain(
      'hooks.example.com resolves to 10.0.0.7, which is a private address',
    );
    expect(() => checkResolvedAddresses('hooks.example.com', ['10.0.0.7'], open)).not.toThrow();
  });

  it('refuses a host that resolves to nothing', () => {
    expect(refusal(() => checkResolvedAddresses('hooks.example.com', [], open))).toBe('The webhook URL is not allowed: hooks.example.com did not resolve to any address.');
  });
});
