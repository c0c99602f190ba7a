import { placeRecord } from '#shared/domain/areas';
import { addWorkingHours } from '#shared/domain/calendar';
import { CASE_WORKING_HOURS, URGENT_CASE_HOURS } from '#shared/domain/cases';
import type { CaseOpen, DayEnd, EntityFacts, TicketOpen } from '#shared/domain/entity-facts';
import type { Reference } from '#shared/domain/reference';
import { addDays, HOUR_MS, zonedTime } from '#shared/domain/time';
import type { AreaKey } from '#shared/schemas/common';

/**
 * `openOverdueTickets` and `openOverdueCases` (CONTRACT §10): the items open and past their deadline
 * at 24:00 city time of a day, per area. An item's status at the end of a day comes from its events
 * up to then (its facts' `ends`); its areas from all its events, like every other indicator. A
 * suspended (挂账) case is not open: its time does not run.
 */

/** Open items past their deadline at the end of a day, in one area. */
export interface OpenOverdueCounts {
  readonly tickets: number;
  readonly cases: number;
}

/** Per area, the open overdue items at the end of one day (areas without any are left out). */
export type DayOpenOverdue = ReadonlyMap<AreaKey, OpenOverdueCounts>;

/** The status entries of facts stored before `ends` was kept: the final status, from their last day. */
const endsOf = (facts: EntityFacts): readonly DayEnd<TicketOpen | CaseOpen>[] => {
  if (facts.ends) return facts.ends;
  const day = facts.days.at(-1);
  if (day === undefined) return [];
  if (facts.kind === 'ticket') {
    const { receivedAt, closed, deadline } = facts.state;
    return [
      receivedAt !== undefined && !closed && deadline !== undefined ? { day, open: { deadline } } : { day },
    ];
  }
  const { filedAt, due, closed, deadlineAt, urgent } = facts.state;
  return [
    filedAt !== undefined && due && !closed
      ? { day, open: { filedAt, urgent, ...(deadlineAt === undefined ? {} : { deadlineAt }) } }
      : { day },
  ];
};

/** The deadline of an open status (undefined: a case whose calendar gives it none, never late). */
const deadlineOf = (
  kind: EntityFacts['kind'],
  open: TicketOpen | CaseOpen,
  reference: Reference,
  timeZone: string,
): number | undefined => {
  if (kind === 'ticket') return (open as TicketOpen).deadline;
  const { filedAt, deadlineAt, urgent } = open as CaseOpen;
  if (deadlineAt !== undefined) return deadlineAt;
  return urgent
    ? filedAt + URGENT_CASE_HOURS * HOUR_MS
    : addWorkingHours(filedAt, CASE_WORKING_HOURS, reference.calendar, timeZone);
};

/** The instant a local day ends (24:00, the next day's 00:00). */
export const endOfDay = (day: string, timeZone: string): number => zonedTime(addDays(day, 1), 0, timeZone);

/**
 * For each of `days`, per area, the items among `facts` that were open at the end of the day with a
 * deadline before it. Each entity's facts must be its latest derivation (the caller folds them).
 */
export const countOpenOverdue = (
  facts: Iterable<EntityFacts>,
  days: readonly string[],
  reference: Reference,
  timeZone: string,
): Map<string, DayOpenOverdue> => {
  const counts = new Map(days.map((day) => [day, new Map<AreaKey, { tickets: number; cases: number }>()]));
  const ends = new Map(days.map((day) => [day, endOfDay(day, timeZone)]));
  for (const entity of facts) {
    const entries = endsOf(entity).map((entry) => ({
      day: entry.day,
      deadline: entry.open ? deadlineOf(entity.kind, entry.open, reference, timeZone) : undefined,
    }));
    if (entries.every((entry) => entry.deadline === undefined)) continue;
    const areas = placeRecord(entity.state.placement, reference.areas);
    for (const day of days) {
      const status = entries.findLast((entry) => entry.day <= day);
      if (status?.deadline === undefined || status.deadline >= (ends.get(day) as number)) continue;
      const perArea = counts.get(day) as Map<AreaKey, { tickets: number; cases: number }>;
      for (const area of areas) {
        const count = perArea.get(area) ?? { tickets: 0, cases: 0 };
        if (entity.kind === 'ticket') count.tickets += 1;
        else count.cases += 1;
        perArea.set(area, count);
      }
    }
  }
  return counts;
};
