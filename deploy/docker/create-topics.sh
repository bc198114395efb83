#!/bin/sh
# One-shot: every topic and its dead-letter topic, idempotently (docker-compose's kafka-init).
set -eu
BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:9092}"
PARTITIONS="${TOPIC_PARTITIONS:-6}"
for topic in concert.events reservation.commands reservation.events wallet.commands \
  wallet.events queue.commands queue.events payment.events; do
  for name in "$topic" "$topic.dlt"; do
    /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
      --topic "$name" --partitions "$PARTITIONS" --replication-factor 1
  done
done
echo "topics ready"
