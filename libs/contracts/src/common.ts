import { z } from 'zod';

export const Uuid = z.uuid();
export const PositiveId = z.number().int().positive();
/** Money is an integer number of KRW. */
export const Krw = z.number().int().nonnegative();
export const IsoTime = z.iso.datetime({ offset: true });
export const SeatNo = z.number().int().min(1).max(50);
