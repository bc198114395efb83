import type { Api } from './api/client';
import type { Concert, Schedule } from './api/answers';
import type { Session } from './auth';
import type { AppConfig } from './config';

/** Where the fan is: set as they go. */
interface FanState {
  config: AppConfig;
  api: Api;
  session: Session;
  /** The concert whose queue they joined, and the pass it gave them. */
  concert: Concert;
  pass: string;
  /** The date whose seats they look at. */
  schedule: Schedule;
}

/**
 * Filled in as the fan goes: `config` and `api` at start, `session` once logged in, the rest by
 * the views, each before the views that read it can run.
 */
export const fan = {} as FanState;
