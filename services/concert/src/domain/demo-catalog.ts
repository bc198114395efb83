import type { Database } from '@ticketing/platform';
import type { CatalogIn } from './repositories';
import { Catalog } from './catalog';

const DAY = 86_400_000;

const DEMO = [
  {
    title: 'Midnight Echoes World Tour',
    artist: 'The Lanterns',
    venue: 'Olympic Hall, Seoul',
    price: 132_000,
  },
  {
    title: 'Spring Symphony Night',
    artist: 'Seoul Philharmonic',
    venue: 'Lotte Concert Hall',
    price: 88_000,
  },
  { title: 'Neon Summer Live', artist: 'NOVA', venue: 'KSPO Dome', price: 154_000 },
];

/**
 * Creates the demo catalog: a few concerts with five future dates each (booking open now).
 * Idempotent: concerts and dates are unique by natural key, so a second run creates nothing.
 */
export async function seedDemoCatalog(
  db: Database,
  catalogIn: CatalogIn,
  now = new Date(),
): Promise<{ concerts: number; schedules: number }> {
  const catalog = new Catalog(db, catalogIn);
  let concerts = 0;
  let schedules = 0;
  // One seeder at a time even with several instances starting together.
  await db.transaction(async (tx) => {
    const writer = catalogIn.writer(tx);
    await writer.lockSeeding();
    for (const demo of DEMO) {
      const { created } = await writer.insertConcertIfAbsent({
        title: demo.title,
        artist: demo.artist,
        venue: demo.venue,
      });
      if (created) concerts += 1;
    }
  });
  const rows = await catalogIn.reads(db).concertIdsByTitle(DEMO.map((d) => d.title));
  const base = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + 30 * DAY;
  for (const [i, demo] of DEMO.entries()) {
    const concertId = rows.find((r) => r.title === demo.title)!.id;
    for (let d = 0; d < 5; d++) {
      const startsAt = new Date(base + (i * 7 + d * 2) * DAY + 19 * 3_600_000);
      const created = await catalog.addSchedule({
        concertId,
        startsAt,
        bookingOpensAt: new Date(Date.UTC(2020, 0, 1)),
        bookingClosesAt: new Date(startsAt.getTime() - 3_600_000),
        price: demo.price,
      });
      if (created) schedules += 1;
    }
  }
  return { concerts, schedules };
}
