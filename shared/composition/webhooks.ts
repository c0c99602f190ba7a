import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { checkTarget } from '#shared/adapters/address-guard';
import { createDeliveryPacer } from '#shared/adapters/delivery-pacer';
import { createDocumentClient } from '#shared/adapters/dynamo';
import { SqsRetryQueue } from '#shared/adapters/sqs-retry-queue';
import {
  consumerRateOf,
  deliveryRateEnvSchema,
  disableAfterMsOf,
  secretOverlapMsOf,
  targetPolicyOf,
  webhookEnvSchema,
} from '#shared/adapters/webhook-config';
import { WebhookSecretsStore } from '#shared/adapters/webhook-secrets-store';
import { sendEvent } from '#shared/adapters/webhook-sender';
import type { DeliverMessagesDeps } from '#shared/app/deliver';
import type { SubscriptionsDeps } from '#shared/app/subscriptions';
import { createStorage, type StorageEnv, storageEnvSchema } from '#shared/composition/root';
import { parseRetrySchedule } from '#shared/domain/webhooks/retry';
import { tables } from '#shared/topology';

/**
 * The wiring of the two functions that send or manage webhooks (subscriptions, deliver), apart from
 * the composition root: only their bundles carry the address guard and the Standard Webhooks signer.
 */

/**
 * Variables of the functions that read subscription secrets (subscriptions, deliver): the secrets
 * table, which no other function is granted.
 */
export const secretsEnvSchema = z.object({ [tables.secrets.envVar]: z.string().min(1) });

/** The store of subscription secrets, over the storage's DynamoDB endpoint. */
const secretsStoreOf = (env: StorageEnv & z.infer<typeof secretsEnvSchema>) =>
  new WebhookSecretsStore(createDocumentClient(env.DYNAMODB_ENDPOINT), env.WEBHOOK_SECRETS_TABLE);

/** Variables of the subscriptions function: storage, the secrets table and the webhook settings. */
export const subscriptionsEnvSchema = storageEnvSchema
  .extend(secretsEnvSchema.shape)
  .extend(webhookEnvSchema.shape);

/**
 * What the subscriptions API needs; webhook URLs are checked against the target policy of `env`, and a
 * rotated-out secret stays valid for its overlap.
 */
export const subscriptionsDepsOf = (env: z.infer<typeof subscriptionsEnvSchema>): SubscriptionsDeps => {
  const policy = targetPolicyOf(env);
  return {
    ...createStorage(env),
    secrets: secretsStoreOf(env),
    checkTarget: (url) => checkTarget(url, policy),
    secretOverlapMs: secretOverlapMsOf(env),
    now: Date.now,
  };
};

/** Variables of the deliver function: storage, the secrets table, webhook settings, and its queue. */
export const deliverEnvSchema = storageEnvSchema
  .extend(secretsEnvSchema.shape)
  .extend(webhookEnvSchema.shape)
  .extend(deliveryRateEnvSchema.shape)
  .extend({
    /** The delivery queue, whose message visibility carries the retry backoff. */
    VISIBILITY_QUEUE_URL: z.string().min(1),
    SQS_ENDPOINT: z.url().optional(),
  });

/**
 * What delivering needs: the subscriptions and their secrets, the sender, the retry schedule, the
 * failing time that disables, and the delivery queue.
 */
export const deliverDepsOf = (env: z.infer<typeof deliverEnvSchema>): DeliverMessagesDeps => {
  const sqs = new SQSClient(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {});
  return {
    ...createStorage(env),
    secrets: secretsStoreOf(env),
    policy: targetPolicyOf(env),
    schedule: parseRetrySchedule(env.RETRY_SCHEDULE),
    disableAfterMs: disableAfterMsOf(env),
    send: sendEvent,
    pace: createDeliveryPacer(consumerRateOf(env)),
    retries: new SqsRetryQueue(sqs, env.VISIBILITY_QUEUE_URL),
    now: Date.now,
  };
};
