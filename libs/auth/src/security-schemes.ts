import { STREAM_TICKET_PARAM } from '@ticketing/queue-pass';
import { SCHEMES } from './credentials';
import { ADMIN_SCOPE } from './caller-identity';

/**
 * The OpenAPI security schemes of the credentials, named as routes declare them (`SCHEMES`): a
 * service's own document names those it takes, the gateway's public document all of them.
 * `identityTokenUrl`: where Swagger UI's "Authorize" gets an identity token (client
 * credentials, the development provider's way); the gateway's document points it at the
 * gateway's own exchange (/docs/oauth/token), which passes the request on to the provider.
 */
export function securitySchemes(credentials: {
  identityTokenUrl?: string;
  queuePass?: boolean;
  streamTicket?: boolean;
}): Record<string, unknown> {
  return {
    ...(credentials.queuePass && {
      [SCHEMES.queuePass]: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'The queue pass of POST /queue/tokens, as `Authorization: Bearer <pass>`: who, and admitted to which concert',
      },
    }),
    ...(credentials.streamTicket && {
      [SCHEMES.streamTicket]: {
        type: 'apiKey',
        in: 'query',
        name: STREAM_TICKET_PARAM,
        description:
          'A stream ticket of POST /queue/tokens/me/stream-ticket: opens this event stream only (EventSource sends no header)',
      },
    }),
    ...(credentials.identityTokenUrl !== undefined && {
      [SCHEMES.identity]: {
        // OAuth2 rather than a plain bearer scheme: Swagger UI can then fetch a token itself.
        type: 'oauth2',
        description:
          'An access token of the OpenID provider, as `Authorization: Bearer <token>`: who is calling. Development provider: client_id = your user id, client_secret = dev',
        flows: {
          clientCredentials: {
            tokenUrl: credentials.identityTokenUrl,
            scopes: { [ADMIN_SCOPE]: 'operator: keeps the catalog' },
          },
        },
      },
    }),
  };
}
