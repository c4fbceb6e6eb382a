/**
 * Webhook signatures: `Allot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The key is the signing secret exactly as shown at creation (its UTF-8 bytes, `whsec_` prefix
 * included). Signing the timestamp with the body lets a receiver refuse replays of an old request:
 * it recomputes the HMAC over the raw body it received, compares in constant time, and rejects a
 * timestamp further than its tolerance (five minutes by default) from its own clock.
 */

export const SIGNATURE_HEADER = 'Allot-Signature';
export const SIGNING_SECRET_PREFIX = 'whsec_';
/** How far a receiver should let a signature's timestamp be from its own clock. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await globalThis.crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, encoder.encode(message)));
  return Array.from(signature, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The Allot-Signature header value for a body sent at `timestampSeconds`. */
export async function signWebhookBody(secret: string, timestampSeconds: number, body: string): Promise<string> {
  return `t=${timestampSeconds},v1=${await hmacHex(secret, `${timestampSeconds}.${body}`)}`;
}

/** Compares without stopping at the first difference, so timing reveals nothing of the expected value. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) {
    return false;
  }
  let difference = 0;
  for (let index = 0; index < a.length; index += 1) {
    difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  }
  return difference === 0;
}

export type SignatureCheck = { valid: true; timestampSeconds: number } | { valid: false; reason: string };

/**
 * What a receiver does with a request (Allot's tests do the same): parse the header, check the
 * timestamp against its clock, recompute the HMAC over the raw body and compare.
 */
export async function verifyWebhookSignature(input: {
  header: string | undefined;
  secret: string;
  body: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): Promise<SignatureCheck> {
  const fields = (input.header ?? '').split(',').map((part) => part.trim().split('='));
  const timestampText = fields.find(([name]) => name === 't')?.[1];
  const signatures = fields.filter(([name]) => name === 'v1').map(([, value]) => value ?? '');
  if (timestampText === undefined || !/^\d+$/.test(timestampText) || signatures.length === 0) {
    return { valid: false, reason: `The ${SIGNATURE_HEADER} header is missing or malformed.` };
  }
  const timestampSeconds = Number(timestampText);
  if (Math.abs(input.nowSeconds - timestampSeconds) > (input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS)) {
    return { valid: false, reason: 'The signature timestamp is outside the tolerance (an old or replayed request).' };
  }
  const expected = await hmacHex(input.secret, `${timestampSeconds}.${input.body}`);
  return signatures.some((signature) => constantTimeEqual(signature, expected))
    ? { valid: true, timestampSeconds }
    : { valid: false, reason: 'No signature matches the body and secret.' };
}
