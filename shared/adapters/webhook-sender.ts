import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  type CheckedTarget,
  checkTarget,
  RefusedTargetError,
  type Resolve,
} from '#shared/adapters/address-guard';
import type { AttemptResult } from '#shared/app/deliver';
import type { WebhookEvent } from '#shared/domain/webhooks/events';
import type { TargetPolicy } from '#shared/domain/webhooks/subscription';

/** Deliveries give up after 15 s (CONTRACT §7). */
export const DELIVERY_TIMEOUT_MS = 15_000;
const MAX_RESPONSE_BYTES = 64 * 1024;

/** A DNS lookup that answers only with the addresses already checked. */
const pinnedLookup =
  (target: CheckedTarget): LookupFunction =>
  (_host, options, callback) => {
    const [first] = target.addresses;
    if (options.all) callback(null, [...target.addresses]);
    else if (first) callback(null, first.address, first.family);
    else callback(new Error('no checked address'), '', 4);
  };

const post = (target: CheckedTarget, body: string, headers: Record<string, string>, timeoutMs: number) =>
  new Promise<number>((resolve, reject) => {
    const { url } = target;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const request = send(
      {
        method: 'POST',
        host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers: { ...headers, host: url.host, 'content-length': String(Buffer.byteLength(body)) },
        // Connect to the address that was checked: no second lookup that could be rebound.
        lookup: pinnedLookup(target),
        // TLS names the host for certificate checks; an address literal is no server name.
        ...(isIP(host) === 0 ? { servername: host } : {}),
        timeout: timeoutMs,
      },
      (response) => {
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on('close', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(response.statusCode ?? 0));
      },
    );
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    request.on('close', () => clearTimeout(deadline));
    request.end(body);
  });

/**
 * The `webhook-signature` header: one `v1,<signature>` per secret, space-separated (Standard Webhooks),
 * so a receiver holding any one of the secrets verifies the delivery.
 */
export const signatureHeader = (secrets: readonly string[], id: string, at: Date, body: string): string =>
  secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' ');

/**
 * Sends one event to one URL: checks the target again (so a DNS change cannot turn a public host into an
 * internal one), signs with Standard Webhooks (`webhook-id` = the event id; one signature per secret),
 * POSTs `{type, timestamp, data}`, follows no redirect, and gives up after 15 s. Never throws: the
 * result says what happened.
 */
export const sendEvent = async (
  url: string,
  secrets: readonly string[],
  event: WebhookEvent,
  policy: TargetPolicy,
  timeoutMs = DELIVERY_TIMEOUT_MS,
  resolve?: Resolve,
): Promise<AttemptResult> => {
  const started = Date.now();
  try {
    const target = await checkTarget(url, policy, resolve);
    const body = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
    const at = new Date();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'cityhub-webhooks/1',
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatureHeader(secrets, event.id, at, body),
    };
    const statusCode = await post(target, body, headers, timeoutMs);
    return { statusCode, durationMs: Date.now() - started };
  } catch (error) {
    const message =
      error instanceof RefusedTargetError ? `refused: ${error.message}` : (error as Error).message;
    return { error: message, durationMs: Date.now() - started };
  }
};
