import * as z from 'zod';
import type { EventDefinition } from '#shared/events/definition';
import { areaKeySchema } from '#shared/schemas/common';
import { sourceSchema } from '#shared/schemas/ingest';

/** Where the supervision checks publish their events. */
export const SUPERVISION_SOURCE = 'cityhub.supervision';

const instant = z.iso.datetime({ offset: true });

/**
 * A (day, area)'s published indicator broke an alert rule of `PUT /reference/alerts` (CONTRACT §10):
 * announced once per rule, day and area, from the rule's time of that day on.
 */
export const indicatorAlert = {
  source: SUPERVISION_SOURCE,
  detailType: 'indicator.alert',
  version: '1',
  detailSchema: z.object({
    ruleId: z.string().min(1),
    indicator: z.string().min(1),
    /** The day of the indicator (city time). */
    date: z.iso.date(),
    area: areaKeySchema,
    /** The registered name of the area, when it has one. */
    areaName: z.string().optional(),
    value: z.number(),
    threshold: z.number(),
    /** `below`: the value is less than the threshold; `above`: more. */
    comparison: z.enum(['below', 'above']),
    /** When the rule's time of that day came (UTC): the rule was checked from then on. */
    at: instant,
  }),
} as const satisfies EventDefinition;
export type IndicatorAlertDetail = z.infer<typeof indicatorAlert.detailSchema>;

/** A feed had no records accepted for its silence minutes (once per silence). */
export const feedSilent = {
  source: SUPERVISION_SOURCE,
  detailType: 'feed.silent',
  version: '1',
  detailSchema: z.object({
    source: sourceSchema,
    /** The last time a record of the source was accepted, before the silence. */
    lastAcceptedAt: instant,
    /** When it became silent: `lastAcceptedAt` plus the silence minutes. */
    silentSince: instant,
    silenceMinutes: z.int().min(1),
  }),
} as const satisfies EventDefinition;
export type FeedSilentDetail = z.infer<typeof feedSilent.detailSchema>;

/** A silent feed had records accepted again (once per silence). */
export const feedResumed = {
  source: SUPERVISION_SOURCE,
  detailType: 'feed.resumed',
  version: '1',
  detailSchema: z.object({
    source: sourceSchema,
    /** When a record of the source was last accepted: the records that ended the silence. */
    lastAcceptedAt: instant,
    /** When the silence began (as its `feed.silent` said). */
    silentSince: instant,
    /** The last accepted time before the silence. */
    previousAcceptedAt: instant,
    /** When the hub saw the feed fresh again (its check after the records came). */
    resumedAt: instant,
    silenceMinutes: z.int().min(1),
  }),
} as const satisfies EventDefinition;
export type FeedResumedDetail = z.infer<typeof feedResumed.detailSchema>;
