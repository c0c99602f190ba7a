import { placeRecord } from '#shared/domain/areas';
import { caseDeadline } from '#shared/domain/cases';
import {
  type CaseOpen,
  caseBasis,
  type DayEnd,
  type EntityFacts,
  type TicketOpen,
  ticketBasis,
} from '#shared/domain/entity-facts';
import type { Reference } from '#shared/domain/reference';
import { addDays, zonedTime } from '#shared/domain/time';
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

/**
 * The status at the end of each event day, what the deadline came from filled in (an empty entry
 * says: as the final state). Facts stored before `ends` was kept: the final status, from their last day.
 */
const endsOf = (facts: EntityFacts): { day: string; open?: TicketOpen | CaseOpen }[] => {
  const final = facts.kind === 'ticket' ? ticketBasis(facts.state) : caseBasis(facts.state);
  const filled = (day: string, open: DayEnd<TicketOpen | CaseOpen>['open']) => {
    const basis =
      open && Object.keys(open).length === 0 ? final : (open as TicketOpen | CaseOpen | undefined);
    return basis ? { day, open: basis } : { day };
  };
  if (facts.ends) return facts.ends.map((end) => filled(end.day, end.open));
  const day = facts.days.at(-1);
  if (day === undefined) return [];
  const open = facts.kind === 'ticket' ? !facts.state.closed : facts.state.due && !facts.state.closed;
  return [open && final ? { day, open: final } : { day }];
};

/** The deadline of an open status (undefined: a case whose calendar gives it none, never late). */
const deadlineOf = (
  kind: EntityFacts['kind'],
  open: TicketOpen | CaseOpen,
  reference: Reference,
  timeZone: string,
): number | undefined =>
  kind === 'ticket'
    ? (open as TicketOpen).deadline
    : caseDeadline(open as CaseOpen, reference.calendar, timeZone);

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
