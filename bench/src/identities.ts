/** `identity_jwks_fetches_total` summed over instances: how often they fetched the provider's keys. */
export async function jwksFetches(urls: string[]): Promise<number> {
  let total = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    total += Number(/^identity_jwks_fetches_total\S* (\d+)$/m.exec(text)?.[1] ?? 0);
  }
  return total;
}
