import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { InvitationRequestSchema } from '../../../contracts/invitations.js';
import { AppError } from '../../../domain/errors.js';
import { statusOf } from '../../plugins/error-handler.js';
import { presentInvitation } from '../../presenters/invitation.presenter.js';
import { graphContext } from '../../urls.js';
import type { RouteDeps } from '../route-deps.js';

/** Path of inviteRedeemUrl. Its query string holds a secret: see log-serializers.ts. */
export const REDEEM_PATH = '/redeem';

/** One answer for every unusable link, so a guess learns nothing about which part was wrong. */
const INVALID_LINK_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invitation link not valid</title></head>
<body><h1>This invitation link is not valid</h1>
<p>It may have been used already, or copied incompletely. Ask the person who invited you for a new invitation.</p></body></html>
`;

/** Graph's POST /invitations, and the redeem link it hands out. */
export function invitationRoutes(app: FastifyInstance, { services, urls }: RouteDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/v1.0/invitations',
    {
      config: { action: 'guests.invite' },
      schema: {
        body: InvitationRequestSchema,
        tags: ['invitations'],
        summary: 'Invite an external user (creates a Guest user and returns inviteRedeemUrl; Allot sends no invitation mail)',
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await services.invitations.invite(request.context, {
        invitedUserEmailAddress: body.invitedUserEmailAddress,
        inviteRedirectUrl: body.inviteRedirectUrl,
        invitedUserDisplayName: body.invitedUserDisplayName ?? null,
        invitedUserType: body.invitedUserType ?? 'Guest',
        sendInvitationMessage: body.sendInvitationMessage ?? false,
        resetRedemption: body.resetRedemption ?? false,
      });
      const redeemUrl = `${urls.base(request)}${REDEEM_PATH}?${new URLSearchParams({ invitation: result.redeemToken }).toString()}`;
      return reply.status(201).send({ '@odata.context': graphContext(urls, request, 'invitations/$entity'), ...presentInvitation(result, body, redeemUrl) });
    },
  );

  const invalidLink = (reply: FastifyReply) =>
    reply.status(400).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('text/html; charset=utf-8').send(INVALID_LINK_PAGE);
  // Opened by the guest's browser: no sign-in, and never a page that could be cached or leak the
  // link. No HEAD twin: a link checker's HEAD request must not use up the invitation.
  app.get(
    REDEEM_PATH,
    {
      config: { public: true },
      exposeHeadRoute: false,
      schema: { tags: ['invitations'], summary: 'Redeem an invitation (the inviteRedeemUrl link): marks it accepted and redirects to inviteRedirectUrl' },
      // A browser shows this answer: a link refused before the handler (a NUL in the query) gets the page too.
      errorHandler: (error: FastifyError, _request, reply) => {
        if ((error instanceof AppError ? statusOf(error.code) : (error.statusCode ?? 500)) >= 500) {
          throw error;
        }
        void invalidLink(reply);
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const redeemed = await services.invitations.redeem(query.invitation, { requestId: request.id, clientAddress: request.ip });
      if (redeemed === undefined) {
        return invalidLink(reply);
      }
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(redeemed.redirectUrl, 302);
    },
  );
}
