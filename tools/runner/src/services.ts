/** The five services and the port of their first instance (instance i listens on port + 100·i). */
export const SERVICES = [
  { name: 'queue', port: 3001 },
  { name: 'concert', port: 3002 },
  { name: 'reservation', port: 3003 },
  { name: 'wallet', port: 3004 },
  { name: 'payment', port: 3005 },
] as const;

export const instancePort = (base: number, index: number) => base + 100 * index;
