import { metricValue } from '@ticketing/testing';

/** `identity_jwks_fetches_total` summed over instances: how often they fetched the provider's keys. */
export async function jwksFetches(urls: string[]): Promise<number> {
  let total = 0;
  for (const url of urls) total += await metricValue(url, 'identity_jwks_fetches_total');
  return total;
}
