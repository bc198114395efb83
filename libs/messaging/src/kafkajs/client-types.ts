/** The client types the rest of the library names (a KafkaJS-compatible client has the same). */
export type { Admin, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
