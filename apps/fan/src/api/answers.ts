import type { operations } from '../generated/api';

type JsonOf<R> = R extends { content: { 'application/json': infer Body } } ? Body : never;
/** The JSON body of an operation's answer with `status`, as the API document says. */
type Answer<Op extends keyof operations, Status extends keyof operations[Op]['responses']> = JsonOf<
  operations[Op]['responses'][Status]
>;

export type Concert = Answer<'listConcerts', 200>['items'][number];
export type Schedule = Answer<'listSchedules', 200>['items'][number];
export type Seat = Answer<'listSeats', 200>['items'][number];
export type Reservation = Answer<'holdSeat', 201>;
export type Payment = Answer<'getPayment', 200>;
