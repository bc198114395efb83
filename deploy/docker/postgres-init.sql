-- One database per service (docker-compose's Postgres runs this once, on an empty volume).
CREATE DATABASE queue;
CREATE DATABASE concert;
CREATE DATABASE reservation;
CREATE DATABASE wallet;
CREATE DATABASE payment;
