import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { matchesStreamFilter, type StreamDecl } from '#shared/topology';

/** How long the poller rests when a pass over the shards found nothing new. */
const IDLE_POLL_MS = 100;
/** How often the poller describes the stream again to find new shards, when none ended meanwhile. */
const DISCOVER_EVERY_MS = 5_000;
/** Errors that only mean a shard iterator must be taken anew. */
const ITERATOR_ERRORS = new Set(['TrimmedDataAccessException', 'ExpiredIteratorException']);
/** Records one GetRecords call returns at most (DynamoDB Streams' own limit). */
const RECORDS_PER_CALL = 1000;

/** Settings of one {@link LocalStream}. */
export interface LocalStreamOptions {
  readonly endpoint: string;
  readonly tableName: string;
  /** Hands a batch to the consumer; a thrown error or a reported failure has it delivered again. */
  readonly consume: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  /** Where the last record handed on of each shard is kept, so a restart goes on from there. */
  readonly checkpointFile?: string | undefined;
  readonly retryDelayMs: number;
  /** Gathers a batch for at most this long. */
  readonly batchingWindowMs: number;
  readonly log: (line: string) => void;
}

/** A shard being read: where the next read starts, and whether it has ended. */
interface ShardState {
  readonly shard: Shard;
  iterator?: string | undefined;
  ended: boolean;
  /** Whether the stream was described again after this shard ended (to find its children). */
  childrenSought?: boolean;
}

/**
 * A DynamoDB stream consumer as Lambda's event source mapping is one, against DynamoDB Local: reads
 * every shard of a table's stream in order (a parent before its children), keeps the records the
 * declared filter matches, and hands them on in batches of the declared size, each batch again
 * until it succeeds (a reported failure from the record it names). With a checkpoint file it resumes
 * after the last record handed on; without one it starts at the oldest record the stream keeps.
 */
export class LocalStream {
  private readonly streams: DynamoDBStreamsClient;
  private readonly shards = new Map<string, ShardState>();
  private readonly checkpoints: Record<string, string>;
  private running = false;
  private loop: Promise<void> | undefined;
  private arn: string | undefined;
  private discoveredAt = Number.NEGATIVE_INFINITY;
  /** Resolvers of `idle()` waiting for a pass that finds nothing. */
  private waiting: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly decl: StreamDecl,
    private readonly options: LocalStreamOptions,
  ) {
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    this.streams = new DynamoDBStreamsClient({
      endpoint: options.endpoint,
      region: 'us-east-1',
      credentials,
    });
    const file = options.checkpointFile;
    this.checkpoints =
      file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.streams.destroy();
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** Resolves once a pass over every shard found no record to hand on (and none is being handed on). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let found = 0;
      try {
        found = await this.pass();
      } catch (error) {
        this.options.log(`cityhub: stream ${this.name}: ${(error as Error).message}`);
        await pause(this.options.retryDelayMs);
        continue;
      }
      if (found === 0) {
        for (const resolve of this.waiting.splice(0)) resolve();
        await pause(IDLE_POLL_MS);
      }
    }
  }

  /**
   * Hands on everything the stream holds now, without the poller running (benchmarks that decide
   * when a batching window closes).
   */
  async catchUp(): Promise<void> {
    this.running = true;
    try {
      while ((await this.pass()) > 0);
    } finally {
      this.running = false;
    }
  }

  /** One pass over the shards that can be read; returns how many records it read. */
  private async pass(): Promise<number> {
    this.arn ??= await this.streamArn();
    // New shards appear when one ends (or DynamoDB splits one): look for them then, and now and again.
    const ended = [...this.shards.values()].some((state) => state.ended && !state.childrenSought);
    if (this.shards.size === 0 || ended || Date.now() - this.discoveredAt >= DISCOVER_EVERY_MS) {
      await this.discover(this.arn);
      this.discoveredAt = Date.now();
      for (const state of this.shards.values()) if (state.ended) state.childrenSought = true;
    }
    let found = 0;
    for (const state of this.readable()) {
      try {
        found += await this.readShard(this.arn, state);
      } catch (error) {
        // An iterator that expired, or that DynamoDB Local finds behind its records (one taken at
        // the start of a shard still empty): read on from the checkpoint with a new one. A checkpoint
        // the stream no longer holds (a persisted hub stopped for over 24 h) gives way to the oldest
        // record kept.
        const name = (error as Error).name;
        if (!ITERATOR_ERRORS.has(name)) throw error;
        const shardId = state.shard.ShardId as string;
        if (!state.iterator && name === 'TrimmedDataAccessException' && this.checkpoints[shardId]) {
          this.options.log(
            `cityhub: stream ${this.name}: shard ${shardId} no longer holds its checkpoint; reading from its oldest record`,
          );
          delete this.checkpoints[shardId];
        }
        state.iterator = undefined;
        found += 1; // not a pass that found nothing: read the shard again
        await pause(IDLE_POLL_MS);
      }
    }
    return found;
  }

  private async streamArn(): Promise<string> {
    const client = new DynamoDBClient({
      endpoint: this.options.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: this.options.tableName }));
      if (!Table?.LatestStreamArn) throw new Error(`table ${this.options.tableName} has no stream`);
      return Table.LatestStreamArn;
    } finally {
      client.destroy();
    }
  }

  /** Learns of new shards (DynamoDB closes shards and opens children as it goes). */
  private async discover(streamArn: string): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of StreamDescription?.Shards ?? [])
        if (shard.ShardId && !this.shards.has(shard.ShardId))
          this.shards.set(shard.ShardId, { shard, ended: false });
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  /** Shards to read now: not ended, and whose parent (if still known) has ended. */
  private readable(): ShardState[] {
    return [...this.shards.values()].filter((state) => {
      if (state.ended) return false;
      const parent = state.shard.ParentShardId ? this.shards.get(state.shard.ParentShardId) : undefined;
      return !parent || parent.ended;
    });
  }

  /** Reads what a shard has now and hands the matching records on; returns how many records it read. */
  private async readShard(streamArn: string, state: ShardState): Promise<number> {
    const shardId = state.shard.ShardId as string;
    if (!state.iterator) {
      const after = this.checkpoints[shardId];
      const { ShardIterator } = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(after
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      state.iterator = ShardIterator;
    }
    let read = 0;
    let pending: _Record[] = [];
    const gatherUntil = Date.now() + this.options.batchingWindowMs;
    while (state.iterator && this.running) {
      const { Records = [], NextShardIterator } = await this.streams.send(
        new GetRecordsCommand({ ShardIterator: state.iterator, Limit: RECORDS_PER_CALL }),
      );
      state.iterator = NextShardIterator;
      // An ended shard is progress too: its children are looked for, and read, on the next pass.
      if (!NextShardIterator) {
        state.ended = true;
        read += 1;
      }
      read += Records.length;
      pending.push(...Records);
      while (pending.length >= this.decl.batchSize) {
        await this.handOn(shardId, pending.slice(0, this.decl.batchSize));
        pending = pending.slice(this.decl.batchSize);
      }
      // The batching window closes on time however fast records keep coming.
      if ((Records.length === 0 && pending.length === 0) || Date.now() >= gatherUntil) break;
      if (Records.length === 0) await pause(Math.min(IDLE_POLL_MS, gatherUntil - Date.now()));
    }
    if (pending.length > 0) await this.handOn(shardId, pending);
    return read;
  }

  /** Hands the records the filter matches on, again and again until the consumer takes them all. */
  private async handOn(shardId: string, records: readonly _Record[]): Promise<void> {
    let batch = records.map(toLambdaRecord).filter((record) => matchesStreamFilter(this.decl, record));
    while (batch.length > 0 && this.running) {
      try {
        const answer = await this.options.consume({ Records: batch });
        const failed = answer?.batchItemFailures?.[0]?.itemIdentifier;
        if (failed === undefined) break;
        const from = batch.findIndex((record) => record.dynamodb?.SequenceNumber === failed);
        batch = from < 0 ? batch : batch.slice(from);
        this.options.log(`cityhub: stream ${this.name}: a batch failed from record ${failed}; trying again`);
      } catch (error) {
        this.options.log(
          `cityhub: stream ${this.name}: a batch failed (${(error as Error).message}); trying again`,
        );
      }
      await pause(this.options.retryDelayMs);
    }
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last && this.running) this.checkpoint(shardId, last);
  }

  private checkpoint(shardId: string, sequenceNumber: string): void {
    this.checkpoints[shardId] = sequenceNumber;
    const file = this.options.checkpointFile;
    if (!file) return;
    writeFileSync(`${file}.tmp`, JSON.stringify(this.checkpoints));
    renameSync(`${file}.tmp`, file);
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Attribute values as Lambda's event carries them: binary values base64-encoded. */
const toLambdaValue = (value: unknown): unknown => {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toLambdaValue);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toLambdaValue(inner)]));
  return value;
};

/** A stream record as Lambda hands it to a function. */
const toLambdaRecord = (record: _Record): DynamoDBRecord => ({
  eventID: record.eventID,
  eventName: record.eventName,
  eventSource: 'aws:dynamodb',
  eventVersion: record.eventVersion,
  awsRegion: 'us-east-1',
  dynamodb: {
    ...(toLambdaValue(record.dynamodb ?? {}) as DynamoDBRecord['dynamodb']),
    ApproximateCreationDateTime:
      record.dynamodb?.ApproximateCreationDateTime instanceof Date
        ? record.dynamodb.ApproximateCreationDateTime.getTime() / 1000
        : undefined,
  },
});
