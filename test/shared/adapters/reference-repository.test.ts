import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReferenceRepository } from '#shared/adapters/reference-repository';
import { createTestTables } from '../../support/tables.ts';

let db: Awaited<ReturnType<typeof createTestTables>>;
let repository: ReferenceRepository;
beforeAll(async () => {
  db = await createTestTables();
  repository = new ReferenceRepository(db.documents, db.names.facts);
});
afterAll(async () => db.drop());

describe('ReferenceRepository on DynamoDB Local', () => {
  it('has nothing before a set is put', async () => {
    expect(await repository.get('areas')).toBeUndefined();
  });

  it('stores a set larger than one item and replaces it whole', async () => {
    const large = {
      features: Array.from({ length: 5000 }, (_, index) => ({ code: `c${index}`, padding: 'x'.repeat(200) })),
    };
    await repository.put('areas', large, 1);
    expect(await repository.get('areas')).toEqual(large);
    await repository.put('areas', { features: [] }, 2);
    expect(await repository.get('areas')).toEqual({ features: [] });
  });

  it('keeps sets apart', async () => {
    await repository.put('calendar', { holidays: ['2026-10-01'], workdays: [] }, 3);
    expect(await repository.get('calendar')).toEqual({ holidays: ['2026-10-01'], workdays: [] });
    expect(await repository.get('areas')).toEqual({ features: [] });
  });
});

describe('concurrent replacements', () => {
  it('leave one whole set, never a broken one', async () => {
    const sets = Array.from({ length: 6 }, (_, n) => ({ n, padding: 'y'.repeat(400_000) }));
    await Promise.all(sets.map((set, n) => repository.put('roads', set, 100 + n)));
    const stored = await repository.get<{ n: number; padding: string }>('roads');
    expect(sets.map((set) => set.n)).toContain(stored?.n);
    expect(stored?.padding).toHaveLength(400_000);
  });
});
