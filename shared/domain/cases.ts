import { hasPlacement, type PlacementFields } from '#shared/domain/areas';
import { addWorkingHours, type WorkingCalendar } from '#shared/domain/calendar';
import { chronological, earliestOf, latestOf } from '#shared/domain/entity-events';
import { HOUR_MS, localDate, toEpochMs } from '#shared/domain/time';
import type { CityPlatformRecord } from '#shared/schemas/ingest';

/** Working hours a filed case has without an explicit deadline; continuous hours for an urgent one. */
export const CASE_WORKING_HOURS = 8;
export const URGENT_CASE_HOURS = 2;

/** A city-platform (数字城管) case's state, derived from all its events (CONTRACT §5 "City-platform cases"). */
export interface CaseState {
  readonly caseId: string;
  /** Local day of the earliest event: the case's cohort. */
  readonly cohortDay: string | undefined;
  /** Earliest `filed` time (立案), if filed. */
  readonly filedAt: number | undefined;
  /** Filed and dispatched (派遣). */
  readonly dispatched: boolean;
  readonly cancelled: boolean;
  /** 挂账: the latest of its suspended/resumed events is suspended. */
  readonly suspended: boolean;
  /** 应结案: filed, not cancelled, not suspended. */
  readonly due: boolean;
  /** The latest of its closed/rework events is closed. */
  readonly closed: boolean;
  readonly closedAt: number | undefined;
  /** Has any rework (返工) event. */
  readonly reworked: boolean;
  /** Deadline (epoch ms), when known. */
  readonly deadline: number | undefined;
  /** Placement fields of the earliest event that carries any. */
  readonly placement: PlacementFields;
}

/**
 * What a case's state rests on besides the working calendar: the state with the deadline left open,
 * and what the deadline is computed from. Derived from the events alone, so it can be stored and
 * turned into the state again under any calendar.
 */
export interface CaseBasis extends Omit<CaseState, 'deadline'> {
  /** `deadlineAt` of the latest event that carries one (epoch ms). */
  readonly deadlineAt: number | undefined;
  /** `urgent` of the latest event that carries it. */
  readonly urgent: boolean;
  /** Category of the latest event (supervision thresholds are per category). */
  readonly category?: string | undefined;
}

/** Derives what a case's state rests on from its events, whatever order they arrived in. */
export const deriveCaseBasis = (
  caseId: string,
  events: Iterable<CityPlatformRecord>,
  timeZone: string,
): CaseBasis => {
  const sorted = chronological(events);
  const first = sorted[0];
  const filed = earliestOf(sorted, ['filed']);
  const filedAt = filed ? toEpochMs(filed.occurredAt) : undefined;
  const cancelled = sorted.some((event) => event.type === 'cancelled');
  const suspended = latestOf(sorted, ['suspended', 'resumed'])?.type === 'suspended';
  const closing = latestOf(sorted, ['closed', 'rework']);
  const closed = closing?.type === 'closed';
  const withDeadline = sorted.findLast((event) => event.deadlineAt !== undefined);
  const placed = sorted.find(hasPlacement);
  return {
    caseId,
    cohortDay: first ? localDate(toEpochMs(first.occurredAt), timeZone) : undefined,
    filedAt,
    dispatched: filedAt !== undefined && sorted.some((event) => event.type === 'dispatched'),
    cancelled,
    suspended,
    due: filedAt !== undefined && !cancelled && !suspended,
    closed,
    closedAt: closed && closing ? toEpochMs(closing.occurredAt) : undefined,
    reworked: sorted.some((event) => event.type === 'rework'),
    deadlineAt: withDeadline?.deadlineAt ? toEpochMs(withDeadline.deadlineAt) : undefined,
    urgent: sorted.findLast((event) => event.urgent !== undefined)?.urgent ?? false,
    category: sorted.at(-1)?.category,
    placement: placed ? { district: placed.district, street: placed.street, location: placed.location } : {},
  };
};

/**
 * A filed case's deadline under a working calendar: the latest explicit one; else filedAt + 8 working
 * hours (an urgent case: 2 hours). Undefined when the calendar has no working time for it.
 */
export const caseDeadline = (
  { filedAt, deadlineAt, urgent }: { filedAt: number; deadlineAt?: number | undefined; urgent: boolean },
  calendar: WorkingCalendar,
  timeZone: string,
): number | undefined => {
  if (deadlineAt !== undefined) return deadlineAt;
  return urgent
    ? filedAt + URGENT_CASE_HOURS * HOUR_MS
    : addWorkingHours(filedAt, CASE_WORKING_HOURS, calendar, timeZone);
};

/** A case's state under a working calendar: its deadline is {@link caseDeadline}'s once it is filed. */
export const caseStateOf = (basis: CaseBasis, calendar: WorkingCalendar, timeZone: string): CaseState => {
  const { deadlineAt, urgent, category: _category, ...state } = basis;
  const deadline =
    state.filedAt === undefined
      ? deadlineAt
      : caseDeadline({ filedAt: state.filedAt, deadlineAt, urgent }, calendar, timeZone);
  return { ...state, deadline };
};

/** Derives a case's state from its events, whatever order they arrived in. */
export const deriveCase = (
  caseId: string,
  events: Iterable<CityPlatformRecord>,
  calendar: WorkingCalendar,
  timeZone: string,
): CaseState => caseStateOf(deriveCaseBasis(caseId, events, timeZone), calendar, timeZone);
