import { describe, expect, it } from 'vitest';
import { emptyAreaRegistry } from '#shared/domain/areas';
import { toWebhookEvents, type WebhookEvent, wants } from '#shared/domain/webhooks/events';
import type { Subscription } from '#shared/domain/webhooks/subscription';
import { eventPatternSchema } from '#shared/schemas/subscriptions';

const disabledDetail = {
  subscriptionId: 'sub_9',
  origin: 'https://ops.example.org',
  cause: 'failing',
  reason:
    'every delivery attempt failed from 2026-03-01T00:00:00.000Z to 2026-03-06T00:00:00.000Z (5 days; …)',
  disabledAt: '2026-03-06T00:00:00.000Z',
  failingSince: '2026-03-01T00:00:00.000Z',
};

const admin: Subscription = {
  id: 'sub_admin',
  url: 'https://admin.example.org/hook',
  events: ['subscription.*'],
  areas: [],
  status: 'active',
  createdAt: '2026-03-01T00:00:00.000Z',
};

describe('subscription.disabled webhooks', () => {
  it('turns the bus event into one webhook with a stable id', () => {
    const events = toWebhookEvents(
      { 'detail-type': 'subscription.disabled', detail: disabledDetail },
      emptyAreaRegistry,
    );
    expect(events).toEqual([
      {
        id: 'subscription.disabled:sub_9:2026-03-06T00:00:00.000Z',
        type: 'subscription.disabled',
        timestamp: '2026-03-06T00:00:00.000Z',
        data: disabledDetail,
      },
    ]);
  });

  it.each(['subscription.disabled', 'subscription.*', '*'])('can be subscribed to as %s', (pattern) => {
    expect(eventPatternSchema.safeParse(pattern).success).toBe(true);
  });

  const [event] = toWebhookEvents(
    { 'detail-type': 'subscription.disabled', detail: disabledDetail },
    emptyAreaRegistry,
  ) as [WebhookEvent];

  it.each([
    ['a subscriber of the type', admin, true],
    ['one limited to areas, as the event is about no place', { ...admin, areas: ['district:d1'] }, true],
    ['a subscriber of every event', { ...admin, events: ['*'] }, true],
    ['a subscriber of other types', { ...admin, events: ['ticket.*', 'sync.*'] }, false],
    ['a disabled subscriber', { ...admin, status: 'disabled' as const }, false],
  ])('goes to %s: %s', (_, subscription, wanted) => {
    expect(wants(subscription, event)).toBe(wanted);
  });

  it('still holds an area-limited subscription to events that name areas', () => {
    const placed = { ...event, type: 'ticket.received', data: { areas: ['city', 'district:d2'] } };
    expect(wants({ ...admin, events: ['*'], areas: ['district:d1'] }, placed)).toBe(false);
    expect(wants({ ...admin, events: ['*'], areas: ['district:d2'] }, placed)).toBe(true);
  });
});
