import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature.js';

const secret = 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA';
const body = '{"id":"e1","type":"licenses.changed"}';

describe('webhook signatures', () => {
  it('is HMAC-SHA256 of "<t>.<body>" keyed with the secret, as any HMAC library computes it', async () => {
    const expected = createHmac('sha256', secret).update(`1793523600.${body}`).digest('hex');
    expect(await signWebhookBody(secret, 1793523600, body)).toBe(`t=1793523600,v1=${expected}`);
  });

  it('verifies a signature within the tolerance', async () => {
    const header = await signWebhookBody(secret, 1793523600, body);
    expect(await verifyWebhookSignature({ header, secret, body, nowSeconds: 1793523600 + 299 })).toEqual({ valid: true, timestampSeconds: 1793523600 });
  });

  it('refuses an old timestamp, another body, another secret and a malformed header', async () => {
    const header = await signWebhookBody(secret, 1793523600, body);
    expect(await verifyWebhookSignature({ header, secret, body, nowSeconds: 1793523600 + 301 })).toEqual({
      valid: false,
      reason: 'The signature timestamp is outside the tolerance (an old or replayed request).',
    });
    expect((await verifyWebhookSignature({ header, secret, body: `${body} `, nowSeconds: 1793523600 })).valid).toBe(false);
    expect((await verifyWebhookSignature({ header, secret: `${secret}x`, body, nowSeconds: 1793523600 })).valid).toBe(false);
    expect(await verifyWebhookSignature({ header: 'v1=abc', secret, body, nowSeconds: 1793523600 })).toEqual({ valid: false, reason: 'The Allot-Signature header is missing or malformed.' });
    expect((await verifyWebhookSignature({ header: undefined, secret, body, nowSeconds: 1793523600 })).valid).toBe(false);
  });
});
