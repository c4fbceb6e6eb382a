import Fastify from 'fastify';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loggedUrl, requestSerializer } from './log-serializers.js';

const SECRET_LINK = '/redeem?invitation=3f1c2a9e-5b7d-4e21-9c3a-1d2e3f4a5b6c.9071bfde-35e0-47d2-a582-d244ab1b4af6.s3cr3t';

describe('loggedUrl', () => {
  it.each([
    [SECRET_LINK, '/redeem?[redacted]'],
    ['/redeem/?invitation=x', '/redeem/?[redacted]'],
    ['//Redeem?invitation=x', '//Redeem?[redacted]'],
    ['/redeem?other=1', '/redeem?[redacted]'],
    ['/v1.0/users?invitation=x&$top=1', '/v1.0/users?[redacted]'],
    ['/contoso.onmicrosoft.com/oauth2/v2.0/token?client_id=a&client_secret=s3cr3t', '/contoso.onmicrosoft.com/oauth2/v2.0/token?[redacted]'],
  ])('leaves the query of %s out', (url, logged) => {
    expect(loggedUrl(url)).toBe(logged);
  });

  it.each(['/redeem', "/v1.0/users?$filter=userType eq 'Guest'", '/v1.0/redeemed?x=1'])('keeps %s', (url) => {
    expect(loggedUrl(url)).toBe(url);
  });
});

describe('requestSerializer in Fastify', () => {
  it('keeps the redeem secret out of the request log', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = Fastify({ logger: { level: 'info', stream, serializers: { req: requestSerializer } } });
    app.get('/redeem', () => 'ok');
    await app.inject({ method: 'GET', url: SECRET_LINK });
    await app.close();
    const log = lines.join('');
    expect(log).toContain('"url":"/redeem?[redacted]"');
    expect(log).not.toContain('s3cr3t');
  });
});
