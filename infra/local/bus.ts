import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { matchesPattern, patternProblems, UnsupportedPatternError } from '#infra/local/event-pattern';
import { closeNow, listenLocally } from '#infra/local/servers';
import { entrySize, PUT_EVENTS_BYTES } from '#shared/adapters/event-publisher';
import type { DeliveredEvent } from '#shared/events/definition';
import type { RuleDecl } from '#shared/topology';

/** A rule target: receives the JSON of each matching event. */
export type RuleTarget = (eventJson: string) => void;

/** What a local bus does beyond routing: durability before answers, and injected faults. */
export interface LocalBusOptions {
  /**
   * Awaited before PutEvents is answered (the hub waits for the queue journals to reach stable
   * storage, so nothing acknowledged to a function is lost).
   */
  readonly beforeAnswer?: () => Promise<void>;
  /**
   * Decides, per entry, whether to refuse it as EventBridge sometimes does: an error code and message
   * to answer in its place (the entry then reaches no rule), or undefined to take it.
   */
  readonly refuseEntry?: () => { readonly ErrorCode: string; readonly ErrorMessage: string } | undefined;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string | number;
}

/**
 * The local stand-in for the cityhub EventBridge bus: speaks the PutEvents API (AWS JSON 1.1) on
 * 127.0.0.1 so functions use the real EventBridge client, applies the declared rules with the
 * local pattern matcher (the subset of EventBridge patterns the rules use), and hands each matching
 * event to its rule's target. It keeps every event it accepted in memory, like the deployed bus's
 * archive. A PutEvents call is answered once {@link LocalBusOptions.beforeAnswer} resolved; entries
 * that {@link LocalBusOptions.refuseEntry} refuses are answered failed and reach no rule.
 */
export class LocalBus {
  readonly archive: DeliveredEvent[] = [];
  private server: Server | undefined;

  /** @throws UnsupportedPatternError when a rule's pattern is outside what the local matcher implements. */
  constructor(
    private readonly busName: string,
    private readonly rules: readonly { rule: RuleDecl; target: RuleTarget }[],
    private readonly options: LocalBusOptions = {},
  ) {
    for (const { rule } of rules) {
      const problems = patternProblems(rule.pattern);
      if (problems.length > 0) throw new UnsupportedPatternError(rule.id, problems);
    }
  }

  /** Starts the PutEvents endpoint; resolves to its URL. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'InternalException', message: error.message }));
      });
    });
    return listenLocally(this.server);
  }

  async stop(): Promise<void> {
    await closeNow(this.server);
  }

  /** Puts entries on the bus; answers like PutEvents (one result per entry, in order). */
  putEvents(entries: readonly PutEventsEntry[]) {
    const results = entries.map((entry) => this.putOne(entry));
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  private putOne(entry: PutEventsEntry): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    if (entry.EventBusName && entry.EventBusName !== this.busName) {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
      };
    }
    if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required.' };
    }
    const refused = this.options.refuseEntry?.();
    if (refused) return { ErrorCode: refused.ErrorCode, ErrorMessage: refused.ErrorMessage };
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const event: DeliveredEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      time: new Date(entry.Time === undefined ? Date.now() : entry.Time)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
      region: 'local',
      resources: entry.Resources ?? [],
      detail,
    };
    this.archive.push(event);
    const json = JSON.stringify(event);
    for (const { rule, target } of this.rules) if (matchesPattern(rule.pattern, event)) target(json);
    return { EventId: event.id };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = request.headers['x-amz-target'];
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    };
    if (target !== 'AWSEvents.PutEvents') {
      reply(400, {
        __type: 'UnknownOperationException',
        message: `the local bus implements PutEvents only, not ${target}`,
      });
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: PutEventsEntry[] };
    const entries = body.Entries ?? [];
    if (entries.length < 1 || entries.length > 10) {
      reply(400, { __type: 'ValidationException', message: 'PutEvents takes 1 to 10 entries.' });
      return;
    }
    const total = entries.reduce((sum, entry) => sum + entrySize(entry as PutEventsRequestEntry), 0);
    if (total > PUT_EVENTS_BYTES) {
      reply(400, {
        __type: 'ValidationException',
        message: `Total size of the entries in the request is over the limit (${total} bytes).`,
      });
      return;
    }
    const answer = this.putEvents(entries);
    await this.options.beforeAnswer?.();
    reply(200, answer);
  }
}
