import { indexOpenItems, type OpenItemsDeps } from '#shared/app/open-items';
import { hasEnded, refreshOpenOverdue } from '#shared/app/open-overdue';
import type { EventPublisher } from '#shared/app/ports';
import {
  appendFacts,
  type DayOutcome,
  type DaysOutcome,
  forEachDay,
  recentDays,
  recomputeDay,
} from '#shared/app/recompute';
import { type ReconcileDeps, type ReconcileOutcome, reconcileDay } from '#shared/app/reconcile';
import type { EntityFacts } from '#shared/domain/entity-facts';
import { busEvent } from '#shared/events/definition';
import { deliveredDetail } from '#shared/events/delivered';
import { factsChanged } from '#shared/events/facts-changed';

/** Days per `facts.changed` event of the nightly job: one, so a reconciliation left for lack of time retries alone. */
const NIGHTLY_DAYS_PER_MESSAGE = 1;

/** What recomputing the days of a batch of `facts.changed` messages did. */
export interface RecomputeRequestsOutcome extends DaysOutcome<DayOutcome | ReconcileOutcome> {
  /** The outcomes of the days reconciled (those a message asked to reconcile). */
  readonly reconciled: ReconcileOutcome[];
  /** Messages that hold no readable `facts.changed` event. */
  readonly unreadable: { readonly messageId: string; readonly error: Error }[];
  /** Messages to retry: unreadable ones, and those naming a day that failed or was not reached. */
  readonly failedMessages: string[];
}

/**
 * Adds the entities' facts the messages carry to their cohort logs and the open-items index, has the
 * open-overdue figures of ended days their events reach computed again, then recomputes the days the
 * messages name (and those whose figures changed), each day once however many messages name it; a
 * day some message asks to reconcile is reconciled instead (which recomputes it too), after the plain
 * recomputes, so fresh facts never wait behind the nightly reconciliation. A message fails only with its own days. A day not started
 * when `outOfTime` says so (it is told whether the day is to be reconciled, which takes longer) is
 * left for its messages' retry.
 */
export const recomputeRequestedDays = async (
  messages: readonly { id: string; body: string }[],
  deps: ReconcileDeps & OpenItemsDeps,
  outOfTime: (reconciling: boolean) => boolean,
): Promise<RecomputeRequestsOutcome> => {
  const daysOf = new Map<string, string[]>();
  const toReconcile = new Set<string>();
  const entities: EntityFacts[] = [];
  const eventsFromOf = new Map<string, string>();
  const unreadable: RecomputeRequestsOutcome['unreadable'] = [];
  for (const message of messages) {
    try {
      const detail = deliveredDetail(message.body, factsChanged.detailSchema);
      daysOf.set(message.id, detail.days);
      if (detail.reconcile) for (const day of detail.days) toReconcile.add(day);
      if (detail.eventsFrom) eventsFromOf.set(message.id, detail.eventsFrom);
      // Validated against the facts schema at the edge; the domain type says the same with required keys.
      entities.push(...((detail.entities ?? []) as readonly EntityFacts[]));
    } catch (error) {
      unreadable.push({ messageId: message.id, error: error as Error });
    }
  }
  // The logs take the new facts before any day is read; a failure here fails the whole batch.
  await appendFacts(entities, deps);
  // Supervision's index of open items follows the same facts (its minute sweep gives the notices).
  await indexOpenItems(entities, deps);
  // Events of a day that has ended change how it ended: its open-overdue figures and those of every
  // later ended day are computed again, and the days whose figures changed recomputed.
  const eventsFrom = [...eventsFromOf.values()].sort()[0];
  if (eventsFrom !== undefined && hasEnded(eventsFrom, deps)) {
    const lateDays = await refreshOpenOverdue(eventsFrom, deps, await deps.loadReference());
    // A message fails with the days its events reached, so a failed recompute of one is retried.
    for (const [id, from] of eventsFromOf)
      daysOf.set(id, [...(daysOf.get(id) ?? []), ...lateDays.filter((day) => day >= from)]);
  }
  const days = [...new Set([...daysOf.values()].flat())];
  const outcome = await forEachDay<DayOutcome | ReconcileOutcome>(
    [
      ...days.filter((day) => !toReconcile.has(day)).sort(),
      ...days.filter((day) => toReconcile.has(day)).sort(),
    ],
    deps,
    (date, reference) =>
      toReconcile.has(date) ? reconcileDay(date, deps, reference) : recomputeDay(date, deps, reference),
    (date) => outOfTime(toReconcile.has(date)),
  );
  const failed = new Set([...outcome.failures.map(({ date }) => date), ...outcome.skipped]);
  const failedDays = [...daysOf].filter(([, days]) => days.some((day) => failed.has(day))).map(([id]) => id);
  return {
    ...outcome,
    reconciled: outcome.outcomes.filter((day): day is ReconcileOutcome => toReconcile.has(day.date)),
    unreadable,
    failedMessages: [...unreadable.map(({ messageId }) => messageId), ...failedDays],
  };
};

export interface NightlyRecomputeDeps {
  readonly publisher: EventPublisher;
  readonly timeZone: string;
  readonly now: () => number;
}

/**
 * The nightly job: has the last `days` local days recomputed, so deadlines that passed since their last
 * change count, and reconciled with the raw facts. The days go through the recompute queue, a few per
 * message.
 */
export const queueNightlyRecompute = async (
  days: number,
  deps: NightlyRecomputeDeps,
): Promise<{ queued: number }> => {
  const dates = recentDays(deps.now(), deps.timeZone, days);
  const events = [];
  for (let start = 0; start < dates.length; start += NIGHTLY_DAYS_PER_MESSAGE) {
    events.push(
      busEvent(factsChanged, {
        days: dates.slice(start, start + NIGHTLY_DAYS_PER_MESSAGE),
        reason: 'nightly recompute',
        reconcile: true,
      }),
    );
  }
  await deps.publisher.publish(events);
  return { queued: dates.length };
};
