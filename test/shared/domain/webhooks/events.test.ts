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

describe('indicator.alert and feed.* webhooks', () => {
  const alert = {
    ruleId: 'cases-on-time',
    indicator: 'caseOnTimeClosureRate',
    date: '2026-03-02',
    area: 'district:d1',
    areaName: '东城区',
    value: 0.8,
    threshold: 0.9,
    comparison: 'below',
    at: '2026-03-02T09:00:00.000Z',
  };
  const silent = {
    source: 'sanitation',
    lastAcceptedAt: '2026-03-02T01:00:00.000Z',
    silentSince: '2026-03-02T01:15:00.000Z',
    silenceMinutes: 15,
  };
  const resumed = {
    source: 'sanitation',
    lastAcceptedAt: '2026-03-02T03:10:00.000Z',
    silentSince: '2026-03-02T01:15:00.000Z',
    previousAcceptedAt: '2026-03-02T01:00:00.000Z',
    resumedAt: '2026-03-02T03:11:00.000Z',
    silenceMinutes: 15,
  };
  const webhookOf = (type: string, detail: object) =>
    toWebhookEvents({ 'detail-type': type, detail }, emptyAreaRegistry)[0] as WebhookEvent;

  it('names an alert by rule, day and area, and places it in its area', () => {
    expect(webhookOf('indicator.alert', alert)).toEqual({
      id: 'indicator.alert:cases-on-time:2026-03-02:district:d1',
      type: 'indicator.alert',
      timestamp: '2026-03-02T09:00:00.000Z',
      data: { ...alert, areas: ['district:d1'] },
    });
  });

  it('names a silence by its source and the last accepted time before it, and its end by the record that ended it', () => {
    expect(webhookOf('feed.silent', silent)).toEqual({
      id: 'feed.silent:sanitation:2026-03-02T01:00:00.000Z',
      type: 'feed.silent',
      timestamp: '2026-03-02T01:15:00.000Z',
      data: silent,
    });
    expect(webhookOf('feed.resumed', resumed)).toEqual({
      id: 'feed.resumed:sanitation:2026-03-02T03:10:00.000Z',
      type: 'feed.resumed',
      timestamp: '2026-03-02T03:10:00.000Z',
      data: resumed,
    });
  });

  it.each(['indicator.alert', 'feed.silent', 'feed.resumed', 'feed.*', 'indicator.*'])(
    'can be subscribed to as %s',
    (pattern) => {
      expect(eventPatternSchema.safeParse(pattern).success).toBe(true);
    },
  );

  it('keeps indicator.* apart from indicators.updated', () => {
    expect(wants({ ...admin, events: ['indicator.*'] }, webhookOf('indicator.alert', alert))).toBe(true);
    const updated = { id: 'x', type: 'indicators.updated', timestamp: alert.at, data: {} };
    expect(wants({ ...admin, events: ['indicator.*'] }, updated)).toBe(false);
  });

  it.each([
    ['a subscription of its area', ['district:d1'], true],
    ['a subscription of another area', ['district:d2'], false],
    ['a subscription of every area', [], true],
  ])('sends an alert to %s', (_, areas, wanted) => {
    expect(wants({ ...admin, events: ['indicator.alert'], areas }, webhookOf('indicator.alert', alert))).toBe(
      wanted,
    );
  });

  it('sends feed events to area-limited subscriptions too: they are about no place', () => {
    expect(
      wants({ ...admin, events: ['feed.*'], areas: ['district:d2'] }, webhookOf('feed.silent', silent)),
    ).toBe(true);
  });
});
