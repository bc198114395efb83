import type { FanClient } from './client';
import type { Recorder } from './recorder';

/** The sale as every fan sees it. */
export interface SaleView {
  client: FanClient;
  recorder: Recorder;
  concertId: number;
  price: number;
  /** Set when the sale is over for the load generator (a fan still waiting stops). */
  over: { value: boolean };
  /** Set once every seat is paid for: a fan told SOLD_OUT from then on stops asking. */
  allSold: { value: boolean };
}
