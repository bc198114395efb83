/** Every topic of the system. Each consumed topic also has `<topic>.dlt`. */
export const TOPICS = {
  concertEvents: 'concert.events',
  reservationCommands: 'reservation.commands',
  reservationEvents: 'reservation.events',
  walletCommands: 'wallet.commands',
  walletEvents: 'wallet.events',
  queueCommands: 'queue.commands',
  queueEvents: 'queue.events',
  paymentEvents: 'payment.events',
} as const;

export const ALL_TOPICS: string[] = Object.values(TOPICS);
