import { describe, expect, it } from 'vitest';
import { type DeadLetterQueues, type RedriveQueueName, redrive, SAMPLE_SIZE } from '#shared/app/redrive';
import type { DeadLetterSample } from '#shared/schemas/admin';
import { redriveRequestSchema } from '#shared/schemas/admin';

/** Dead-letter queues in memory: peeking shows, moving empties and counts what moved. */
class MemoryDeadLetters implements DeadLetterQueues {
  readonly moves: RedriveQueueName[] = [];
  constructor(readonly letters: Partial<Record<RedriveQueueName, DeadLetterSample[]>>) {}

  async peek(queue: RedriveQueueName, sampleSize: number) {
    const letters = this.letters[queue] ?? [];
    return { count: letters.length, sample: letters.slice(0, sampleSize) };
  }

  async moveBack(queue: RedriveQueueName) {
    this.moves.push(queue);
    const moved = (this.letters[queue] ?? []).length;
    this.letters[queue] = [];
    return { moved };
  }
}

const letters = (count: number, detailType: string): DeadLetterSample[] =>
  Array.from({ length: count }, (_, n) => ({ messageId: `${detailType}-${n}`, detailType }));

describe('redrive', () => {
  it('lists every queue in a dry run, with a sample of at most 10, moving nothing', async () => {
    const deadLetters = new MemoryDeadLetters({
      facts: letters(12, 'hotline.record-accepted'),
      recompute: letters(1, 'facts.changed'),
    });
    const answer = await redrive({ dryRun: true }, { deadLetters });
    expect(answer.dryRun).toBe(true);
    expect(answer.moved).toBe(0);
    expect(answer.queues.map(({ queue, deadLetters: count, moved }) => [queue, count, moved])).toEqual([
      ['facts', 12, 0],
      ['coverage', 0, 0],
      ['fanout', 0, 0],
      ['delivery', 0, 0],
      ['recompute', 1, 0],
    ]);
    expect(answer.queues[0]?.sample).toHaveLength(SAMPLE_SIZE);
    expect(answer.queues[4]?.sample).toEqual([{ messageId: 'facts.changed-0', detailType: 'facts.changed' }]);
    expect(deadLetters.moves).toEqual([]);
    expect(deadLetters.letters.facts).toHaveLength(12);
  });

  it('moves one queue back when named, and sums what moved', async () => {
    const deadLetters = new MemoryDeadLetters({
      facts: letters(3, 'hotline.record-accepted'),
      coverage: letters(2, 'sanitation.records-accepted'),
    });
    const answer = await redrive({ queue: 'coverage', dryRun: false }, { deadLetters });
    expect(answer).toEqual({
      dryRun: false,
      moved: 2,
      queues: [{ queue: 'coverage', deadLetters: 2, sample: [], moved: 2 }],
    });
    expect(deadLetters.moves).toEqual(['coverage']);
    expect(deadLetters.letters.facts).toHaveLength(3);
  });

  it('moves every queue back when none is named, passing on the move task of each', async () => {
    const deadLetters = new MemoryDeadLetters({ facts: letters(3, 'x'), delivery: letters(1, 'y') });
    const withTasks: DeadLetterQueues = {
      peek: (queue, size) => deadLetters.peek(queue, size),
      moveBack: async (queue) => {
        const { moved } = await deadLetters.moveBack(queue);
        return moved > 0 ? { moved, taskHandle: `task-${queue}` } : { moved };
      },
    };
    const answer = await redrive({ dryRun: false }, { deadLetters: withTasks });
    expect(answer.moved).toBe(4);
    expect(deadLetters.moves).toEqual(['facts', 'coverage', 'fanout', 'delivery', 'recompute']);
    expect(answer.queues.filter(({ taskHandle }) => taskHandle)).toEqual([
      { queue: 'facts', deadLetters: 3, sample: [], moved: 3, taskHandle: 'task-facts' },
      { queue: 'delivery', deadLetters: 1, sample: [], moved: 1, taskHandle: 'task-delivery' },
    ]);
  });
});

describe('the redrive request', () => {
  it('is a real run of every queue when empty', () => {
    expect(redriveRequestSchema.parse({})).toEqual({ dryRun: false });
  });

  it.each([
    [{ queue: 'parking' }, 'queue'],
    [{ dryRun: 'yes' }, 'dryRun'],
    // A misspelt dryRun must not turn a dry run into a real one.
    [{ dryrun: true }, 'unknown field \\"dryrun\\"; did you mean \\"dryRun\\"?'],
  ])('refuses %j', (body, path) => {
    const parsed = redriveRequestSchema.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(path);
  });
});
