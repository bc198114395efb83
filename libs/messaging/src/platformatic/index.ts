/**
 * Everything this project knows about @platformatic/kafka 2.x, in one folder: its settings, the
 * adapters to the project's port (`../broker`) and the translation of its errors. Nothing outside
 * this folder imports it (lint refuses it; ADR 0018).
 */
export { createPlatformaticClient } from './client';
export { portError, clientClosed } from './errors';
