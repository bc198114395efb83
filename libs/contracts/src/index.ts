/** The facts every deployable shares; each owner's messages under its name (`wallet.debitWallet`). */
export { type MessageContract, defineMessage, type DataOf } from './message';
export { Uuid, PositiveId, Krw, IsoTime, SeatNo, USER_ID_PATTERN, UserId } from './common';
export { TOPICS, ALL_TOPICS } from './topics';
export {
  SERVICES,
  type ServiceName,
  SERVICE_NAMES,
  DATABASE_SERVICES,
  GATEWAY_PORT,
  LOCAL_DEFAULTS,
  instancePort,
  CREDENTIAL_QUERY_PARAMS,
  redactedUrl,
} from './system';
export * as concert from './concert';
export * as reservation from './reservation';
export * as wallet from './wallet';
export * as queue from './queue';
export * as payment from './payment';
export { MESSAGES, keyTemplate, userIdFields } from './catalogue';
export { ConcertSales, concertSalesPath } from './catalog-reads';
export { PROBLEMS, type ProblemCode, API_PROBLEM_CODES, isProblemCode } from './problems';
