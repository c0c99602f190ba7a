import { type AreaRegistry, placeRecord } from '#shared/domain/areas';
import type { Subscription } from '#shared/domain/webhooks/subscription';
import { feedResumed, feedSilent, indicatorAlert } from '#shared/events/alerts';
import { deadlineNoticed } from '#shared/events/deadlines';
import type { DeliveredEvent } from '#shared/events/definition';
import {
  type IndicatorsUpdatedDetail,
  indicatorsDayUpdated,
  indicatorsUpdated,
} from '#shared/events/indicators-updated';
import { cityPlatformRecordAccepted, hotlineRecordAccepted } from '#shared/events/record-accepted';
import { subscriptionDisabled } from '#shared/events/subscriptions';
import { syncCaseRequested, syncTicketResolved } from '#shared/events/webhooks';
import { cityPlatformEventSchema, hotlineEventSchema } from '#shared/schemas/ingest';
import { matchesEventPattern } from '#shared/schemas/subscriptions';

/** One event as subscribers receive it: `{type, timestamp, data}`, with a stable id. */
export interface WebhookEvent {
  /** Stable per event: the `webhook-id` header, so receivers can drop repeats. */
  readonly id: string;
  readonly type: string;
  /** When the event happened (RFC 3339). */
  readonly timestamp: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const iso = (instant: string) => new Date(instant).toISOString();

/**
 * The webhook events a bus event stands for (CONTRACT §7): `ticket.<type>` and `case.<type>` for
 * accepted lifecycle events (known fields, with the areas the event places in), one
 * `indicators.updated` per area of an `indicators.day-updated` (or of a single `indicators.updated`),
 * the sync events, `indicator.alert` (with the area it is about in `areas`), `feed.silent`,
 * `feed.resumed` and `subscription.disabled`. Ids are stable, so a repeat is recognisable by its
 * `webhook-id`.
 */
export const toWebhookEvents = (
  delivered: Pick<DeliveredEvent, 'detail-type' | 'detail'>,
  areas: AreaRegistry,
): WebhookEvent[] => {
  if (delivered['detail-type'] === indicatorsDayUpdated.detailType) {
    const { date, items } = indicatorsDayUpdated.detailSchema.parse(delivered.detail);
    return items.map((item) => indicatorsWebhook({ date, ...item }));
  }
  const event = toWebhookEvent(delivered, areas);
  return event ? [event] : [];
};

/** The `indicators.updated` webhook of one (day, area) revision. */
const indicatorsWebhook = (detail: IndicatorsUpdatedDetail): WebhookEvent => ({
  id: `indicators:${detail.date}:${detail.area}:${detail.revision}`,
  type: indicatorsUpdated.detailType,
  timestamp: iso(detail.computedAt),
  data: { ...detail, areas: [detail.area] },
});

/** The one webhook event of a bus event that carries one (undefined for other bus events). */
const toWebhookEvent = (
  delivered: Pick<DeliveredEvent, 'detail-type' | 'detail'>,
  areas: AreaRegistry,
): WebhookEvent | undefined => {
  const type = delivered['detail-type'];
  if (type === hotlineRecordAccepted.detailType || type === cityPlatformRecordAccepted.detailType) {
    const hotline = type === hotlineRecordAccepted.detailType;
    const { record } = (hotline ? hotlineRecordAccepted : cityPlatformRecordAccepted).detailSchema.parse(
      delivered.detail,
    );
    const known = (hotline ? hotlineEventSchema : cityPlatformEventSchema).parse(record);
    return {
      id: `${hotline ? 'ticket' : 'case'}:${known.eventId}`,
      type: `${hotline ? 'ticket' : 'case'}.${known.type}`,
      timestamp: iso(known.occurredAt),
      data: { ...known, areas: placeRecord(known, areas) },
    };
  }
  if (type === indicatorsUpdated.detailType)
    return indicatorsWebhook(indicatorsUpdated.detailSchema.parse(delivered.detail));
  if (type === syncCaseRequested.detailType) {
    const detail = syncCaseRequested.detailSchema.parse(delivered.detail);
    return {
      id: `sync.case-requested:${detail.ticketId}`,
      type,
      timestamp: iso(detail.receivedAt),
      data: detail,
    };
  }
  if (type === syncTicketResolved.detailType) {
    const detail = syncTicketResolved.detailSchema.parse(delivered.detail);
    return {
      id: `sync.ticket-resolved:${detail.caseId}:${detail.closingEventId}`,
      type,
      timestamp: iso(detail.closedAt),
      data: detail,
    };
  }
  if (type === deadlineNoticed.detailType) {
    const detail = deadlineNoticed.detailSchema.parse(delivered.detail);
    return {
      // Once per item, deadline and opening: a moved deadline or a reopening is another event, a
      // repeat the same one.
      id: `${detail.kind}.${detail.notice}:${detail.id}:${iso(detail.deadline)}:${detail.since}`,
      type: `${detail.kind}.${detail.notice}`,
      timestamp: iso(detail.at),
      data: detail,
    };
  }
  if (type === indicatorAlert.detailType) {
    const detail = indicatorAlert.detailSchema.parse(delivered.detail);
    return {
      id: `indicator.alert:${detail.ruleId}:${detail.date}:${detail.area}`,
      type,
      timestamp: iso(detail.at),
      data: { ...detail, areas: [detail.area] },
    };
  }
  if (type === feedSilent.detailType) {
    const detail = feedSilent.detailSchema.parse(delivered.detail);
    return {
      id: `feed.silent:${detail.source}:${detail.lastAcceptedAt}`,
      type,
      timestamp: iso(detail.silentSince),
      data: detail,
    };
  }
  if (type === feedResumed.detailType) {
    const detail = feedResumed.detailSchema.parse(delivered.detail);
    return {
      id: `feed.resumed:${detail.source}:${detail.lastAcceptedAt}`,
      type,
      timestamp: iso(detail.lastAcceptedAt),
      data: detail,
    };
  }
  if (type === subscriptionDisabled.detailType) {
    const detail = subscriptionDisabled.detailSchema.parse(delivered.detail);
    return {
      id: `subscription.disabled:${detail.subscriptionId}:${detail.disabledAt}`,
      type,
      timestamp: iso(detail.disabledAt),
      data: detail,
    };
  }
  return undefined;
};

/**
 * True when a subscription wants an event: active, a matching type, and (if it names areas) a shared
 * area. Events about no place (`subscription.disabled`, `feed.*`, whose data has no `areas`) ignore
 * the areas.
 */
export const wants = (subscription: Subscription, event: WebhookEvent): boolean => {
  if (subscription.status !== 'active') return false;
  if (!subscription.events.some((pattern) => matchesEventPattern(pattern, event.type))) return false;
  if (subscription.areas.length === 0 || event.data.areas === undefined) return true;
  const areas = (event.data.areas ?? []) as readonly string[];
  return areas.some((area) => subscription.areas.includes(area));
};
