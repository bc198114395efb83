import { securitySchemes } from '@ticketing/auth';
import { SERVICE_NAMES, type ProblemCode, type ServiceName } from '@ticketing/contracts';
import {
  PROBLEM_COMPONENTS,
  openApiPath,
  operationObject,
  type OpenApiOperation,
} from '@ticketing/platform';
import { DOCS_TOKEN_PATH } from './docs-auth';
import { budgetOf, isEventStream, serviceFor } from './routes';

/** Each service's part of the API, as the document's tags describe it. */
const TAGS: Record<ServiceName, string> = {
  queue:
    'The waiting queue: join a concert’s line, follow your place (polls or Server-Sent Events), leave',
  concert: 'The catalog: concerts, their dates and seat maps; operators keep it',
  reservation: 'Seat holds that nobody else can take, and reservations (“my tickets”)',
  wallet: 'The prepaid wallet: charges, the balance and its ledger',
  payment: 'Payments, each a saga across the services, and its timeline',
};

const DESCRIPTION = `The public HTTP API of the concert ticketing backend, as the gateway routes it
(docs/API.md is the contract; this document is generated from the services' route declarations).

Two credentials, each for its own job: **identity**, an OpenID Connect access token (who is
calling), and **queuePass**, the queue pass of \`POST /queue/tokens\` (who, and admitted to which
concert). Every error is \`application/problem+json\` (RFC 9457) with a stable machine \`code\`;
checks run in the order credential (401), input (400), ownership and admission (403),
existence (404), state (409, 422).`;

// Requests the gateway cannot send again after an instance broke mid-answer (neither idempotent
// by their method nor, necessarily, keyed): 502 for them (gateway/src/retry-rule.ts).
const NOT_REPEATABLE = new Set(['post', 'patch']);

/** What the gateway itself may answer on a route it forwards, besides the service's answers. */
function gatewayProblems(op: OpenApiOperation): ProblemCode[] {
  const path = openApiPath(op.path);
  return [
    ...(budgetOf(op.method.toUpperCase(), path) ? (['RATE_LIMITED'] as const) : []),
    ...(NOT_REPEATABLE.has(op.method) ? (['UPSTREAM_UNAVAILABLE'] as const) : []),
    // No instance could take it within the hold.
    'SERVICE_UNAVAILABLE',
    // An event stream is never timed out.
    ...(isEventStream(path) ? [] : (['UPSTREAM_TIMEOUT'] as const)),
  ];
}

/**
 * The one OpenAPI 3.1 document of the public API: every route of every service that the gateway
 * routes to it (an `/internal/…` path is nobody's there), tagged with its service, with the
 * credentials' schemes and every problem each operation may answer, the gateway's own included.
 * Made from the services' route declarations (`routes`: each service's `TypedRoutes.operations`).
 */
export function publicApiDocument(
  routes: Record<ServiceName, readonly OpenApiOperation[]>,
  version: string,
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const service of SERVICE_NAMES) {
    for (const op of routes[service]) {
      const path = openApiPath(op.path);
      const routedTo = serviceFor(path);
      if (routedTo === undefined) continue; // not public: the gateway routes it nowhere
      if (routedTo !== service)
        throw new Error(`${service} declares ${path}, which the gateway routes to ${routedTo}`);
      (paths[path] ??= {})[op.method] = operationObject(op, {
        tags: [service],
        moreProblems: gatewayProblems(op),
      });
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Concert ticketing API', version, description: DESCRIPTION },
    // Relative: the gateway that served this document, wherever it is deployed.
    servers: [{ url: '/', description: 'the gateway that serves this document' }],
    tags: SERVICE_NAMES.map((name) => ({ name, description: TAGS[name] })),
    paths,
    components: {
      securitySchemes: securitySchemes({
        identityTokenUrl: DOCS_TOKEN_PATH,
        queuePass: true,
        streamTicket: true,
      }),
      schemas: PROBLEM_COMPONENTS,
    },
  };
}
