/** What the gateway's /config.json (or the page's host) says. */
export interface AppConfig {
  /** The API's origin; '' when the page is served by the gateway itself. */
  apiUrl: string;
  issuer: string;
  clientId: string;
  authorizationParams: Record<string, string>;
}
