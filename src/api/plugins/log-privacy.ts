import { requestSerializer } from '../log-serializers.js';

/**
 * What the request log may say (Fastify logger options). Request lines carry method, URL (the
 * redeem link's secret query left out, see log-serializers.ts) and addresses, never headers
 * (Authorization, Cookie) or bodies (the token endpoint's client_secret, sign-in passwords);
 * response lines the status only (no Set-Cookie). `redact` blanks these fields should code ever
 * log them explicitly.
 */
export const LOG_PRIVACY = {
  serializers: {
    req: requestSerializer,
    res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
  },
  redact: {
    paths: [
      'headers.authorization',
      'headers.cookie',
      'headers["set-cookie"]',
      'req.headers.authorization',
      'req.headers.cookie',
      'res.headers["set-cookie"]',
      'body.client_secret',
      'body.password',
      'body.newPassword',
      'body.currentPassword',
      'req.body',
    ],
    censor: '[redacted]',
  },
};
