import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { QuarantineStore } from '#shared/adapters/quarantine-store';
import { type FeedsAnswer as AppFeedsAnswer, feedStatuses } from '#shared/app/feed-statuses';
import type { IndicatorPage } from '#shared/app/query-indicators';
import type { DayOutcome } from '#shared/app/recompute';
import type {
  CreatedSubscription as AppCreatedSubscription,
  ShownSubscription,
} from '#shared/app/subscriptions';
import { listAreas } from '#shared/domain/area-list';
import { qualityReport } from '#shared/domain/quality';
import { type dayOutcomeSchema, type QuarantinedRecord, qualityReportSchema } from '#shared/schemas/admin';
import type { Agree } from '#shared/schemas/common';
import {
  areaListSchema,
  type FeedsAnswer,
  feedsAnswerSchema,
  type IndicatorPageAnswer,
  type PublishedIndicatorItem,
} from '#shared/schemas/query';
import type { CreatedSubscription, SubscriptionView } from '#shared/schemas/subscriptions';
import { testAreas } from '../../support/demo-areas.ts';

/**
 * The answer schemas (which the OpenAPI document is generated from) against the types the use-cases
 * and adapters declare for the same answers: the `Agree` checks fail the typecheck when either side
 * gains, loses or retypes a field; the parses check values the pure code really produces.
 */
describe('answer schemas', () => {
  it('agree with the types of the use-cases and adapters that produce the answers', () => {
    expectTypeOf<Agree<FeedsAnswer, AppFeedsAnswer>>().toEqualTypeOf<true>();
    expectTypeOf<Agree<z.infer<typeof dayOutcomeSchema>, DayOutcome>>().toEqualTypeOf<true>();
    expectTypeOf<
      Agree<QuarantinedRecord, Awaited<ReturnType<QuarantineStore['listQuarantine']>>[number]>
    >().toEqualTypeOf<true>();
    expectTypeOf<Agree<SubscriptionView, ShownSubscription>>().toEqualTypeOf<true>();
    expectTypeOf<Agree<CreatedSubscription, AppCreatedSubscription>>().toEqualTypeOf<true>();
    // A page's items are published without the hub's bookkeeping (announcedRevision, digest).
    expectTypeOf<
      Agree<PublishedIndicatorItem, Omit<IndicatorPage['items'][number], 'announcedRevision' | 'digest'>>
    >().toEqualTypeOf<true>();
    expectTypeOf<
      Agree<Omit<IndicatorPageAnswer, 'items'>, Omit<IndicatorPage, 'items'>>
    >().toEqualTypeOf<true>();
  });

  it('tell types apart that differ in a field, its type or whether it is optional', () => {
    expectTypeOf<Agree<{ a: string }, { a?: string }>>().toEqualTypeOf<false>();
    expectTypeOf<Agree<{ a: string }, { a: string; b?: number }>>().toEqualTypeOf<false>();
    expectTypeOf<Agree<{ a: string | null }, { a: string }>>().toEqualTypeOf<false>();
    expectTypeOf<Agree<{ a: string[] }, { readonly a: readonly string[] }>>().toEqualTypeOf<true>();
  });

  it('take the feed statuses the use-case answers', async () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    const answer = await feedStatuses(
      { feedFreshness: async () => new Map([['hotline', '2026-03-02T09:59:00.000Z']]) },
      now,
    );
    expect(feedsAnswerSchema.strict().parse(answer)).toEqual(answer);
  });

  it('take the area list and the quality report the domain builds', () => {
    const areas = { items: listAreas(testAreas) };
    expect(areaListSchema.parse(areas)).toEqual(areas);
    const report = qualityReport('2026-03-01', '2026-03-02', [
      { hotline: { 'district:nowhere': 2 } },
      { 'city-platform': { 'district:nowhere': 1, 'street:gone': 4 } },
    ]);
    expect(qualityReportSchema.parse(report)).toEqual(report);
  });
});
