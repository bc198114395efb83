import { z } from 'zod';

export const Uuid = z.uuid();
export const PositiveId = z.number().int().positive();
/** Money is an integer number of KRW. */
export const Krw = z.number().int().nonnegative();
export const IsoTime = z.iso.datetime({ offset: true });
export const SeatNo = z.number().int().min(1).max(50);

/** API.md: a user id is the identity's `sub`, 1–255 characters of A–Z a–z 0–9 . _ : | @ - */
export const USER_ID_PATTERN = /^[A-Za-z0-9._:|@-]{1,255}$/;
export const UserId = z
  .string()
  .regex(USER_ID_PATTERN, 'must be 1–255 characters of A–Z a–z 0–9 . _ : | @ -');
