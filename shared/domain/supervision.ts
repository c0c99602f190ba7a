import { addWorkingHours, type WorkingCalendar, workingMsBetween } from '#shared/domain/calendar';
import { type CaseState, caseStateOf } from '#shared/domain/cases';
import type { EntityFacts } from '#shared/domain/entity-facts';
import type { TicketState } from '#shared/domain/tickets';
import { HOUR_MS } from '#shared/domain/time';
import type { SupervisionInput } from '#shared/schemas/reference';

/**
 * Supervision (督办): each open ticket and case, how much of its time limit it has used, and its
 * warning light (亮灯) — green, yellow from a share of the limit (75 % unless a category says
 * otherwise), red past the deadline, paused while a case is suspended. Tickets use calendar time,
 * cases working time (CONTRACT §3 calendar, §5 deadlines).
 */

export type Light = 'green' | 'yellow' | 'red' | 'paused';

/** Share of the limit at which an item turns yellow, unless its category has its own. */
export const DEFAULT_YELLOW_AT = 0.75;

/** The yellow thresholds (`PUT /reference/supervision`): a default and per category. */
export interface SupervisionThresholds {
  readonly yellowAt: number;
  readonly byCategory: Readonly<Record<string, number>>;
}

export const defaultThresholds: SupervisionThresholds = { yellowAt: DEFAULT_YELLOW_AT, byCategory: {} };

/** The thresholds of a stored `PUT /reference/supervision` set; the defaults when none was put. */
export const supervisionThresholdsOf = (set: SupervisionInput | undefined): SupervisionThresholds =>
  set ? { yellowAt: set.yellowAt, byCategory: { ...set.categories } } : defaultThresholds;

/** The yellow threshold of a category. */
export const yellowAtOf = (thresholds: SupervisionThresholds, category: string | undefined): number =>
  (category === undefined ? undefined : thresholds.byCategory[category]) ?? thresholds.yellowAt;

/** Where an open item stands at an instant. */
export interface Standing {
  readonly deadline: number;
  /** Share of the limit used: 0 at the start, 1 at the deadline, above 1 past it. */
  readonly usedShare: number;
  readonly light: Light;
  /** When the light turns yellow and red (epoch ms); undefined when it never will (no working time). */
  readonly yellowFrom: number | undefined;
  readonly redFrom: number;
}

const lightOf = (now: number, deadline: number, usedShare: number, yellowAt: number): Light =>
  now > deadline ? 'red' : usedShare >= yellowAt ? 'yellow' : 'green';

/** The share of a limit in calendar time: `[start, deadline]` is the limit. */
const calendarShare = (start: number, deadline: number, now: number) =>
  deadline > start ? Math.max(0, now - start) / (deadline - start) : now > deadline ? 1 : 0;

/**
 * A ticket's standing at `now`: open when received and not closed. Its limit runs in calendar time
 * from `receivedAt` to its deadline; undefined for a closed ticket or one without both.
 */
export const ticketStanding = (
  ticket: TicketState,
  now: number,
  thresholds: SupervisionThresholds = defaultThresholds,
): Standing | undefined => {
  const { receivedAt, deadline } = ticket;
  if (ticket.closed || receivedAt === undefined || deadline === undefined) return undefined;
  const yellowAt = yellowAtOf(thresholds, ticket.category);
  const usedShare = calendarShare(receivedAt, deadline, now);
  return {
    deadline,
    usedShare,
    light: lightOf(now, deadline, usedShare, yellowAt),
    yellowFrom: receivedAt + Math.ceil(yellowAt * Math.max(0, deadline - receivedAt)),
    redFrom: deadline + 1,
  };
};

/**
 * A case's standing at `now`: open when filed, not closed and not cancelled. Its limit runs in working
 * time from `filedAt` to its deadline (a deadline with no working time before it, such as an urgent
 * case's 2 continuous hours at night, in calendar time). A suspended (挂账) case is `paused`, its share
 * as it stands. Undefined for a case that is not open or has no deadline.
 */
export const caseStanding = (
  state: CaseState,
  category: string | undefined,
  now: number,
  calendar: WorkingCalendar,
  timeZone: string,
  thresholds: SupervisionThresholds = defaultThresholds,
): Standing | undefined => {
  const { filedAt, deadline } = state;
  if (state.closed || state.cancelled || filedAt === undefined || deadline === undefined) return undefined;
  const yellowAt = yellowAtOf(thresholds, category);
  const limit = workingMsBetween(filedAt, deadline, calendar, timeZone);
  const usedShare =
    limit > 0
      ? workingMsBetween(filedAt, now, calendar, timeZone) / limit
      : calendarShare(filedAt, deadline, now);
  const yellowFrom =
    limit > 0
      ? addWorkingHours(filedAt, (yellowAt * limit) / HOUR_MS, calendar, timeZone)
      : filedAt + Math.ceil(yellowAt * Math.max(0, deadline - filedAt));
  return {
    deadline,
    usedShare,
    light: state.suspended ? 'paused' : lightOf(now, deadline, usedShare, yellowAt),
    yellowFrom: yellowFrom === undefined ? undefined : Math.min(yellowFrom, deadline),
    redFrom: deadline + 1,
  };
};

/** Whether an entity is open: a ticket received and not closed; a case filed, not closed, not cancelled. */
export const isOpen = (facts: EntityFacts): boolean =>
  facts.kind === 'ticket'
    ? facts.state.receivedAt !== undefined && !facts.state.closed
    : facts.state.filedAt !== undefined && !facts.state.closed && !facts.state.cancelled;

/**
 * The part of an open item's facts that its standing, place, category and past days' ends rest on
 * (the end-of-day open-overdue figures read the index): two derivations with the same view need no
 * new write to the index.
 */
export const supervisionView = (facts: EntityFacts): string =>
  JSON.stringify(
    facts.kind === 'ticket'
      ? [
          facts.state.receivedAt,
          facts.state.deadline,
          facts.state.category,
          facts.state.placement,
          facts.ends ?? null,
        ]
      : [
          facts.state.filedAt,
          facts.state.deadlineAt,
          facts.state.urgent,
          facts.state.suspended,
          facts.state.category,
          facts.state.placement,
          facts.ends ?? null,
        ],
  );

/** What supervision needs besides the facts: the calendar, the city's time zone and the thresholds. */
export interface SupervisionContext {
  readonly calendar: WorkingCalendar;
  readonly timeZone: string;
  readonly thresholds: SupervisionThresholds;
}

/** An open item's standing at `now` (undefined when the facts say it is not open). */
export const standingOf = (facts: EntityFacts, now: number, context: SupervisionContext) =>
  facts.kind === 'ticket'
    ? ticketStanding(facts.state, now, context.thresholds)
    : caseStanding(
        caseStateOf(facts.state, context.calendar, context.timeZone),
        facts.state.category,
        now,
        context.calendar,
        context.timeZone,
        context.thresholds,
      );

/** The two moments supervision announces: turning yellow, and turning red (past the deadline). */
export type Notice = 'deadline-approaching' | 'overdue';

/** The deadlines for which an item's notices went out (each notice once per item and deadline). */
export interface NoticeMarks {
  readonly approachingFor?: number | undefined;
  readonly overdueFor?: number | undefined;
}

/**
 * The next notice an item is due to give and when, given the notices already given: none while paused
 * or once it was announced overdue for its deadline; else turning red once announced yellow for it;
 * else turning yellow (or red, for a limit that never turns yellow before its deadline).
 */
export const nextNotice = (
  standing: Standing,
  marks: NoticeMarks,
): { readonly notice: Notice; readonly at: number } | undefined => {
  if (standing.light === 'paused' || marks.overdueFor === standing.deadline) return undefined;
  if (marks.approachingFor === standing.deadline || standing.yellowFrom === undefined)
    return { notice: 'overdue', at: standing.redFrom };
  return standing.yellowFrom < standing.redFrom
    ? { notice: 'deadline-approaching', at: standing.yellowFrom }
    : { notice: 'overdue', at: standing.redFrom };
};

/**
 * The notice an item gives at `now`, if any, and the marks to keep after it: past its deadline it is
 * announced overdue (an item first seen already red skips the yellow notice); from its yellow moment
 * it is announced approaching. A paused item gives none.
 */
export const noticeAt = (
  standing: Standing,
  marks: NoticeMarks,
  now: number,
): { readonly notice: Notice; readonly marks: NoticeMarks } | undefined => {
  if (standing.light === 'paused') return undefined;
  const { deadline } = standing;
  if (now >= standing.redFrom)
    return marks.overdueFor === deadline
      ? undefined
      : { notice: 'overdue', marks: { approachingFor: deadline, overdueFor: deadline } };
  if (standing.yellowFrom !== undefined && now >= standing.yellowFrom && marks.approachingFor !== deadline)
    return { notice: 'deadline-approaching', marks: { ...marks, approachingFor: deadline } };
  return undefined;
};
