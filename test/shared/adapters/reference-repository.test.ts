import { QueryCommand } from '@aws-sdk/lib-dynamodb';
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

/** A client that lets `beforeQuery` run before each chunk query of the repository's own reads. */
const interrupting = (beforeQuery: () => Promise<void>) =>
  new Proxy(db.documents, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: { input: { ConsistentRead?: boolean } }) => {
        if (command instanceof QueryCommand && command.input.ConsistentRead) await beforeQuery();
        return target.send(command as QueryCommand);
      };
    },
  });

describe('a read racing a replacement', () => {
  it('reads the new set when the one it was reading is replaced under it', async () => {
    await repository.put('vehicles', { n: 1 }, 200);
    let replaced = false;
    const reader = new ReferenceRepository(
      interrupting(async () => {
        if (replaced) return;
        replaced = true;
        await repository.put('vehicles', { n: 2 }, 201);
      }),
      db.names.facts,
    );
    expect(await reader.get('vehicles')).toEqual({ n: 2 });
  });

  it('gives up after 5 reads when every one is raced', async () => {
    let replacements = 0;
    const reader = new ReferenceRepository(
      interrupting(async () => {
        replacements += 1;
        await repository.put('sync', { n: replacements }, 300 + replacements);
      }),
      db.names.facts,
    );
    await repository.put('sync', { n: 0 }, 299);
    await expect(reader.get('sync')).rejects.toThrow(
      new Error('reference set sync kept changing while it was read; try again'),
    );
    expect(replacements).toBe(5);
  });
});
