import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { platformSettings } from './tables.js';

/** Read a platform setting, creating it with `make()` if absent (race-safe across processes). */
export async function getOrCreateSetting(db: Db, key: string, make: () => string): Promise<string> {
  const [existing] = await db.select().from(platformSettings).where(eq(platformSettings.key, key));
  if (existing) return existing.value;
  await db.insert(platformSettings).values({ key, value: make() }).onConflictDoNothing();
  const [row] = await db.select().from(platformSettings).where(eq(platformSettings.key, key));
  return row!.value;
}
