/**
 * DynamoDB capacity accounting for the benchmarks: every call of the repositories' document clients asks
 * for `ReturnConsumedCapacity: 'TOTAL'`, and the read and write units are summed per calling function,
 * per kind of item (the prefix of its partition key) and per operation.
 *
 * DynamoDB Local answers ConsumedCapacity for every operation, with two gaps this module fills by
 * DynamoDB's own rules (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
 * - BatchGetItem: DynamoDB Local counts nothing for keys that are not found; DynamoDB charges each key
 *   as a read of its item rounded up to 4 KB (a missing item as one 4 KB read), halved when eventually
 *   consistent. Units of BatchGetItem are always computed.
 * - A conditional write whose condition fails throws without ConsumedCapacity; DynamoDB charges it the
 *   size of the existing item rounded up to 1 KB (at least 1 unit). The meter asks for the existing item
 *   (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`) and computes that.
 * - BatchExecuteStatement: DynamoDB Local reports no units. DynamoDB charges a PartiQL INSERT as the put
 *   of its item, and one refused on an existing key as a failed conditional put (the existing item's
 *   size, which the meter reads after the call and does not count). An UPDATE is charged as UpdateItem: the larger of the item before
 *   and after, or the existing item when its condition fails; the meter reads the item before and
 *   after the call (reads it does not count) and computes that. A statement's index entries are
 *   priced as DynamoDB Local itemizes them for the other writes: 1 for an entry set or removed, 2 for
 *   one whose key moved (the table's indexes, from shared/topology.ts, all keys-only). Other statements
 *   are refused here.
 *
 * A write's units include those of the global secondary indexes it changes: DynamoDB's TOTAL, and
 * DynamoDB Local's (asked for INDEXES, it itemizes them): 1 for an index entry set or removed, 2 for
 * one whose key moved (the open-items index's `byDue`).
 */
import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

import { itemBytes, marshallPlain, plainItemBytes } from '#shared/adapters/item-size';
import { tables } from '#shared/topology';

export { attributeValueBytes, itemBytes, numberBytes, plainItemBytes } from '#shared/adapters/item-size';

/** Read units of reading one item by key: its size rounded up to 4 KB (a missing item counts as one), halved when eventually consistent. */
export const readUnits = (bytes: number | undefined, consistent: boolean): number =>
  Math.max(1, Math.ceil((bytes ?? 0) / 4096)) * (consistent ? 1 : 0.5);

/** Write units of a write: the item's size rounded up to 1 KB, at least 1. */
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));

/** Units and volumes of one group of calls. */
export interface UnitTally {
  calls: number;
  rru: number;
  wru: number;
  /** Items returned by reads, and their bytes (as DynamoDB counts them). */
  itemsRead: number;
  bytesRead: number;
  /** Units computed by DynamoDB's rules rather than reported by DynamoDB Local. */
  computed: number;
  /** Milliseconds the calls took (summed; calls made side by side overlap). */
  ms: number;
}

const emptyTally = (): UnitTally => ({
  calls: 0,
  rru: 0,
  wru: 0,
  itemsRead: 0,
  bytesRead: 0,
  computed: 0,
  ms: 0,
});

/** One group: which function called, which kind of item, which operation. */
export interface TallyKey {
  readonly owner: string;
  readonly kind: string;
  readonly operation: string;
}

const keyOf = ({ owner, kind, operation }: TallyKey) => `${owner}\t${kind}\t${operation}`;

/** Sums of units per (owner, kind, operation). */
export class CapacityMeter {
  private readonly tallies = new Map<string, UnitTally>();

  add(key: TallyKey, units: Partial<UnitTally>): void {
    const id = keyOf(key);
    const tally = this.tallies.get(id) ?? emptyTally();
    tally.calls += units.calls ?? 1;
    tally.rru += units.rru ?? 0;
    tally.wru += units.wru ?? 0;
    tally.itemsRead += units.itemsRead ?? 0;
    tally.bytesRead += units.bytesRead ?? 0;
    tally.computed += units.computed ?? 0;
    tally.ms += units.ms ?? 0;
    this.tallies.set(id, tally);
  }

  /** Every group with its tally, copied. */
  entries(): (TallyKey & UnitTally)[] {
    return [...this.tallies].map(([id, tally]) => {
      const [owner = '', kind = '', operation = ''] = id.split('\t');
      return { owner, kind, operation, ...tally };
    });
  }

  /** What was added since `earlier` (an `entries()` result). */
  since(earlier: readonly (TallyKey & UnitTally)[]): (TallyKey & UnitTally)[] {
    const before = new Map(earlier.map((entry) => [keyOf(entry), entry]));
    return this.entries()
      .map((entry) => {
        const old = before.get(keyOf(entry)) ?? emptyTally();
        return {
          ...entry,
          calls: entry.calls - old.calls,
          rru: entry.rru - old.rru,
          wru: entry.wru - old.wru,
          itemsRead: entry.itemsRead - old.itemsRead,
          bytesRead: entry.bytesRead - old.bytesRead,
          computed: entry.computed - old.computed,
          ms: entry.ms - old.ms,
        };
      })
      .filter((entry) => entry.calls > 0);
  }
}

/** Sums tallies, optionally only those matching `where`. */
export const sumTallies = (
  entries: readonly (TallyKey & UnitTally)[],
  where: (entry: TallyKey) => boolean = () => true,
): UnitTally =>
  entries.filter(where).reduce((sum, entry) => {
    sum.calls += entry.calls;
    sum.rru += entry.rru;
    sum.wru += entry.wru;
    sum.itemsRead += entry.itemsRead;
    sum.bytesRead += entry.bytesRead;
    sum.computed += entry.computed;
    sum.ms += entry.ms;
    return sum;
  }, emptyTally());

/** The kind of item a key names: the prefix of its partition key (`dedupe`, `ticket`, …), or the table's role. */
export const kindOfKey = (partitionKey: unknown, tableRole: string): string =>
  tableRole !== 'facts'
    ? tableRole
    : typeof partitionKey === 'string'
      ? (partitionKey.split('#')[0] ?? '')
      : '?';

type Input = Record<string, unknown>;
type Item = Record<string, unknown>;

/** The partition key value of a call's first item or key. */
const partitionKeyOf = (operation: string, input: Input): unknown => {
  const requestItems = input.RequestItems as Record<string, unknown> | undefined;
  const first = requestItems ? Object.values(requestItems)[0] : undefined;
  switch (operation) {
    case 'PutItem':
      return (input.Item as Item | undefined)?.pk;
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return (input.Key as Item | undefined)?.pk;
    case 'Query': {
      if (input.IndexName) return `${String(input.IndexName)}#`;
      const values = (input.ExpressionAttributeValues ?? {}) as Item;
      return values[':pk'];
    }
    case 'BatchGetItem':
      return ((first as { Keys?: Item[] } | undefined)?.Keys?.[0] as Item | undefined)?.pk;
    case 'BatchExecuteStatement':
      return partitionOfWrite(statementWrites(input)[0]);
    case 'BatchWriteItem': {
      const request = (
        first as { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[] | undefined
      )?.[0];
      return request?.PutRequest?.Item.pk ?? request?.DeleteRequest?.Key.pk;
    }
    default:
      return undefined;
  }
};

const INSERT = /^INSERT INTO "([^"]+)" VALUE \{(.*)\}$/s;
const UPDATE = /^UPDATE "([^"]+)" (.*) WHERE pk = \? AND sk = \?(?:\s.*)?$/s;

/**
 * What each PartiQL statement of a BatchExecuteStatement writes: an INSERT's table and item (`'name': ?`
 * pairs only), an UPDATE's table and key (`WHERE pk = ? AND sk = ?` first).
 */
const statementWrites = (
  input: Input,
): ({ kind: 'insert'; table: string; item: Item } | { kind: 'update'; table: string; key: Item })[] =>
  ((input.Statements ?? []) as { Statement: string; Parameters?: unknown[] }[]).map(
    ({ Statement, Parameters = [] }) => {
      const text = Statement.trim();
      const [, table = '', pairs = ''] = INSERT.exec(text) ?? [];
      const names = [...pairs.matchAll(/'([^']+)'\s*:\s*\?/g)].map((match) => match[1] ?? '');
      if (table && names.length === Parameters.length)
        return {
          kind: 'insert',
          table,
          item: Object.fromEntries(names.map((name, index) => [name, Parameters[index]])),
        };
      const [, updated = '', changes = ''] = UPDATE.exec(text) ?? [];
      const before = changes.split('?').length - 1;
      if (updated)
        return {
          kind: 'update',
          table: updated,
          key: { pk: Parameters[before], sk: Parameters[before + 1] },
        };
      throw new Error(`capacity meter: cannot price the statement ${Statement}`);
    },
  );

/** The key attributes of each global index of a table, by its role; only keys-only indexes are priced. */
const indexKeysOf = (role: string): string[][] => {
  const declared =
    (tables as Record<string, { globalIndexes: readonly unknown[] }>)[role]?.globalIndexes ?? [];
  return (
    declared as {
      indexName: string;
      partitionKey: { name: string };
      sortKey?: { name: string };
      projection: string;
    }[]
  ).map((index) => {
    if (index.projection !== 'keys')
      throw new Error(`capacity meter: cannot price writes to index ${index.indexName}`);
    return [index.partitionKey.name, ...(index.sortKey ? [index.sortKey.name] : [])];
  });
};

/** Write units of the index entries a write changes, from the item before and after (raw attribute values). */
const indexUnits = (
  role: string,
  before: Record<string, AttributeValue> | undefined,
  after: Record<string, AttributeValue> | undefined,
): number =>
  indexKeysOf(role).reduce((sum, names) => {
    const keyOf = (item: Record<string, AttributeValue> | undefined) =>
      item && names.every((name) => item[name] !== undefined)
        ? JSON.stringify(names.map((name) => item[name]))
        : undefined;
    const [was, is] = [keyOf(before), keyOf(after)];
    if (was === is) return sum;
    return sum + (was !== undefined && is !== undefined ? 2 : 1);
  }, 0);

const partitionOfWrite = (write: ReturnType<typeof statementWrites>[number] | undefined): unknown =>
  write?.kind === 'insert' ? write.item.pk : write?.key.pk;

const tableOf = (input: Input): string =>
  typeof input.TableName === 'string'
    ? input.TableName
    : input.Statements
      ? (statementWrites(input)[0]?.table ?? '?')
      : (Object.keys(input.RequestItems ?? {})[0] ?? '?');

const consumedOf = (output: Input): number => {
  const consumed = output.ConsumedCapacity as
    | { CapacityUnits?: number }
    | { CapacityUnits?: number }[]
    | undefined;
  if (!consumed) return 0;
  return (Array.isArray(consumed) ? consumed : [consumed]).reduce(
    (sum, part) => sum + (part.CapacityUnits ?? 0),
    0,
  );
};

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
/** Inputs of the reads the meter itself makes to size items: passed through, not counted. */
const OWN_READS = new WeakSet<object>();
const CONDITIONAL_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/** Options of {@link instrumentDocumentClients}. */
export interface InstrumentOptions {
  /** Role of a table by name (`facts`, `indicators`); kinds of facts items come from their keys. */
  readonly tableRole: (table: string) => string;
}

/**
 * Makes every document client created from now on (`DynamoDBDocumentClient.from`, which
 * shared/adapters/dynamo.ts uses) report its units to `meter`, attributed to the function whose module
 * created it (`functions/<name>/handler.ts` on the creating stack), else to `bench`. Call before the
 * handler modules are imported. Returns a function that stops instrumenting clients created later.
 */
export const instrumentDocumentClients = (meter: CapacityMeter, options: InstrumentOptions): (() => void) => {
  const original = DynamoDBDocumentClient.from;
  const from = original.bind(DynamoDBDocumentClient);
  DynamoDBDocumentClient.from = (client: DynamoDBClient, translateConfig) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    const stack = new Error('owner of a DynamoDB client').stack ?? '';
    Error.stackTraceLimit = limit;
    const owner = /functions\/([a-z-]+)\/handler\.ts/.exec(stack)?.[1] ?? 'bench';
    /** An item as stored now (a consistent read the meter makes and does not count). */
    const stored = async (table: string, key: Item): Promise<Record<string, AttributeValue> | undefined> => {
      const input = { TableName: table, Key: marshall(key), ConsistentRead: true };
      OWN_READS.add(input);
      return (await client.send(new GetItemCommand(input))).Item;
    };
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (OWN_READS.has(args.input as object)) return next(args);
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        const asked: Input = { ...(args.input as Input), ReturnConsumedCapacity: 'TOTAL' };
        if (CONDITIONAL_WRITES.has(operation) && asked.ConditionExpression)
          asked.ReturnValuesOnConditionCheckFailure ??= 'ALL_OLD';
        const table = tableOf(asked);
        const role = options.tableRole(table);
        const key: TallyKey = { owner, kind: kindOfKey(partitionKeyOf(operation, asked), role), operation };
        const writes = operation === 'BatchExecuteStatement' ? statementWrites(asked) : [];
        const itemsBefore = await Promise.all(
          writes.map((write) => (write.kind === 'update' ? stored(write.table, write.key) : undefined)),
        );
        const begun = performance.now();
        try {
          const result = await next({ ...args, input: asked });
          const ms = performance.now() - begun;
          const output = result.output as unknown as Input;
          if (operation === 'BatchGetItem') {
            const request = Object.values((asked.RequestItems ?? {}) as Record<string, Input>)[0] ?? {};
            const keys = (request.Keys as Item[] | undefined)?.length ?? 0;
            const consistent = request.ConsistentRead === true;
            const found = Object.values((output.Responses ?? {}) as Record<string, Item[]>).flat();
            const sizes = found.map(plainItemBytes);
            const missing = keys - found.length;
            const rru =
              sizes.reduce((sum, bytes) => sum + readUnits(bytes, consistent), 0) +
              missing * readUnits(undefined, consistent);
            meter.add(key, {
              ms,
              rru,
              itemsRead: found.length,
              bytesRead: sizes.reduce((sum, bytes) => sum + bytes, 0),
              computed: rru,
            });
          } else if (operation === 'BatchExecuteStatement') {
            const responses = (output.Responses ?? []) as { Error?: unknown }[];
            const units = await Promise.all(
              writes.map(async (write, index) => {
                const failed = responses[index]?.Error !== undefined;
                if (write.kind === 'insert') {
                  if (failed) {
                    // Refused on an existing key: charged the existing item's size, as a failed put.
                    const existing = await stored(write.table, { pk: write.item.pk, sk: write.item.sk });
                    return writeUnits(existing ? itemBytes(existing) : 0);
                  }
                  const item = marshallPlain(write.item);
                  return writeUnits(itemBytes(item)) + indexUnits(role, undefined, item);
                }
                const before = itemsBefore[index];
                const beforeBytes = before ? itemBytes(before) : 0;
                if (failed) return writeUnits(beforeBytes);
                const after = await stored(write.table, write.key);
                return (
                  writeUnits(Math.max(beforeBytes, after ? itemBytes(after) : 0)) +
                  indexUnits(role, before, after)
                );
              }),
            );
            const wru = units.reduce((sum, each) => sum + each, 0);
            meter.add(key, { ms, wru, computed: wru });
          } else if (READS.has(operation)) {
            const items =
              operation === 'GetItem' ? [output.Item].filter(Boolean) : ((output.Items as Item[]) ?? []);
            meter.add(key, {
              ms,
              rru: consumedOf(output),
              itemsRead: items.length,
              bytesRead: (items as Item[]).reduce((sum, item) => sum + plainItemBytes(item), 0),
            });
          } else {
            meter.add(key, { ms, wru: consumedOf(output) });
          }
          return result;
        } catch (error) {
          if ((error as Error).name === 'ConditionalCheckFailedException') {
            const existing = (error as { Item?: Record<string, AttributeValue> }).Item;
            const wru = writeUnits(existing ? itemBytes(existing) : 0);
            meter.add(key, { ms: performance.now() - begun, wru, computed: wru });
          }
          throw error;
        }
      },
      { step: 'initialize', name: 'benchConsumedCapacity', priority: 'high' },
    );
    return from(client, translateConfig);
  };
  return () => {
    DynamoDBDocumentClient.from = original;
  };
};
