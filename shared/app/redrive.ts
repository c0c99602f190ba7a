import type {
  DeadLetterSample,
  RedriveAnswer,
  RedriveQueueOutcome,
  RedriveRequest,
} from '#shared/schemas/admin';
import { redriveQueueNames } from '#shared/schemas/admin';

/** A queue whose dead letters can be moved back. */
export type RedriveQueueName = (typeof redriveQueueNames)[number];

/** How many dead letters a sample shows at most. */
export const SAMPLE_SIZE = 10;

/** The dead-letter queues of the hub's queues. */
export interface DeadLetterQueues {
  /**
   * How many messages the queue's dead-letter queue holds (approximate on SQS) and up to `sampleSize`
   * of them, looked at without taking them away.
   */
  peek(queue: RedriveQueueName, sampleSize: number): Promise<{ count: number; sample: DeadLetterSample[] }>;
  /**
   * Moves every message of the queue's dead-letter queue back to the queue, where it is received as
   * a new message (its receives count from zero). Answers how many it moves and, where the move runs
   * on after the call (an SQS message move task), the task's handle.
   */
  moveBack(queue: RedriveQueueName): Promise<{ moved: number; taskHandle?: string | undefined }>;
}

export interface RedriveDeps {
  readonly deadLetters: DeadLetterQueues;
}

/**
 * `POST /admin/redrive`: per queue (one, or every queue), a dry run counts the dead letters and shows
 * a sample; a real run moves them back to their queue, whose consumer takes them again as new
 * messages. Moving is safe to repeat: every consumer is idempotent.
 */
export const redrive = async (request: RedriveRequest, deps: RedriveDeps): Promise<RedriveAnswer> => {
  const names = request.queue ? [request.queue] : [...redriveQueueNames];
  const queues: RedriveQueueOutcome[] = [];
  for (const queue of names) {
    if (request.dryRun) {
      const { count, sample } = await deps.deadLetters.peek(queue, SAMPLE_SIZE);
      queues.push({ queue, deadLetters: count, sample: sample.slice(0, SAMPLE_SIZE), moved: 0 });
      continue;
    }
    const { moved, taskHandle } = await deps.deadLetters.moveBack(queue);
    queues.push({
      queue,
      deadLetters: moved,
      sample: [],
      moved,
      ...(taskHandle === undefined ? {} : { taskHandle }),
    });
  }
  return { dryRun: request.dryRun, queues, moved: queues.reduce((sum, { moved }) => sum + moved, 0) };
};
