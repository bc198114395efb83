import { Router, type Express } from 'express';
import { TypedRoutes } from '@ticketing/platform';

/** The payment service's public HTTP routes (API.md). */
export function httpRoutes(app: Express): TypedRoutes {
  const router = Router();
  app.use(router);
  return new TypedRoutes(router);
}
