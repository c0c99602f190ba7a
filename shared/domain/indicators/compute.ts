import { type AreaRegistry, placeRecord } from '#shared/domain/areas';
import type { CaseState } from '#shared/domain/cases';
import type { IndicatorValues } from '#shared/domain/indicators/catalogue';
import type { DayOpenOverdue } from '#shared/domain/indicators/open-overdue';
import { ratio } from '#shared/domain/indicators/ratio';
import {
  computeSanitation,
  type SanitationDay,
  type SanitationValues,
} from '#shared/domain/sanitation/indicators';
import type { TicketState } from '#shared/domain/tickets';
import { HOUR_MS } from '#shared/domain/time';
import type { AreaKey } from '#shared/schemas/common';

/** Everything the indicators of one day depend on, gathered by storage. */
export interface DailyFacts {
  readonly date: string;
  /** Tickets whose cohort day is `date` (others are ignored). */
  readonly tickets: readonly TicketState[];
  /** Cases whose cohort day is `date` (others are ignored). */
  readonly cases: readonly CaseState[];
  /** The day's sanitation facts, when any vehicle sent points that day. */
  readonly sanitation?: SanitationDay | undefined;
  /**
   * Per area, the items open and past their deadline at the day's end; undefined while the day has
   * not ended (the figures are then null).
   */
  readonly openOverdue?: DayOpenOverdue | undefined;
}

/** Reference data and the moment of computation. */
export interface ComputeContext {
  readonly areas: AreaRegistry;
  /** Deadlines before this instant (epoch ms) have passed. */
  readonly asOf: number;
}

export { ratio } from '#shared/domain/indicators/ratio';

/** Counts of one area and day, from which every indicator follows. */
interface Tally {
  tickets: number;
  ticketsClosed: number;
  ticketsClosedOnTime: number;
  ticketsOnTimeDenominator: number;
  ticketsWithCallback: number;
  ticketsSatisfied: number;
  ticketClosureHours: number;
  cases: number;
  casesFiled: number;
  casesDispatched: number;
  casesDue: number;
  casesClosed: number;
  casesReworked: number;
  casesClosedOnTime: number;
  casesOnTimeDenominator: number;
}

const emptyTally = (): Tally => ({
  tickets: 0,
  ticketsClosed: 0,
  ticketsClosedOnTime: 0,
  ticketsOnTimeDenominator: 0,
  ticketsWithCallback: 0,
  ticketsSatisfied: 0,
  ticketClosureHours: 0,
  cases: 0,
  casesFiled: 0,
  casesDispatched: 0,
  casesDue: 0,
  casesClosed: 0,
  casesReworked: 0,
  casesClosedOnTime: 0,
  casesOnTimeDenominator: 0,
});

/** Closed by the deadline (a case whose calendar gives no deadline cannot be late). */
const closedOnTime = (closedAt: number | undefined, deadline: number | undefined) =>
  closedAt !== undefined && (deadline === undefined || closedAt <= deadline);

const tallyTicket = (tally: Tally, ticket: TicketState, asOf: number): void => {
  tally.tickets += 1;
  const pastDeadline = ticket.deadline !== undefined && ticket.deadline < asOf;
  if (ticket.closed && ticket.closedAt !== undefined && ticket.receivedAt !== undefined) {
    tally.ticketsClosed += 1;
    tally.ticketClosureHours += (ticket.closedAt - ticket.receivedAt) / HOUR_MS;
    if (closedOnTime(ticket.closedAt, ticket.deadline)) tally.ticketsClosedOnTime += 1;
  }
  if (ticket.closed || pastDeadline) tally.ticketsOnTimeDenominator += 1;
  if (ticket.calledBack) {
    tally.ticketsWithCallback += 1;
    if (ticket.satisfaction === 'satisfied') tally.ticketsSatisfied += 1;
  }
};

const tallyCase = (tally: Tally, cityCase: CaseState, asOf: number): void => {
  tally.cases += 1;
  if (cityCase.filedAt === undefined) return;
  tally.casesFiled += 1;
  if (cityCase.dispatched) tally.casesDispatched += 1;
  if (!cityCase.due) return;
  tally.casesDue += 1;
  if (cityCase.reworked) tally.casesReworked += 1;
  const pastDeadline = cityCase.deadline !== undefined && cityCase.deadline < asOf;
  if (cityCase.closed) {
    tally.casesClosed += 1;
    if (closedOnTime(cityCase.closedAt, cityCase.deadline)) tally.casesClosedOnTime += 1;
  }
  if (cityCase.closed || pastDeadline) tally.casesOnTimeDenominator += 1;
};

/** A day without any GPS points has no sanitation values. */
const noSanitation: SanitationValues = {
  plannedRoadKm: null,
  cleanedRoadKm: null,
  roadCleaningRate: null,
  mechanizedCleaningRate: null,
  operatingKm: null,
  vehicleAttendanceRate: null,
};

const indicatorsOf = (
  tally: Tally,
  sanitation: SanitationValues = noSanitation,
  openOverdue?: { tickets: number; cases: number },
): IndicatorValues => ({
  ticketsReceived: tally.tickets,
  ticketsClosed: tally.ticketsClosed,
  ticketClosureRate: ratio(tally.ticketsClosed, tally.tickets),
  ticketOnTimeClosureRate: ratio(tally.ticketsClosedOnTime, tally.ticketsOnTimeDenominator),
  ticketSatisfactionRate: ratio(tally.ticketsSatisfied, tally.ticketsWithCallback),
  avgTicketClosureHours: ratio(tally.ticketClosureHours, tally.ticketsClosed),
  openOverdueTickets: openOverdue ? openOverdue.tickets : null,
  casesReported: tally.cases,
  casesFiled: tally.casesFiled,
  caseFilingRate: ratio(tally.casesFiled, tally.cases),
  caseDispatchRate: ratio(tally.casesDispatched, tally.casesFiled),
  casesClosed: tally.casesClosed,
  caseClosureRate: ratio(tally.casesClosed, tally.casesDue),
  caseReworkRate: ratio(tally.casesReworked, tally.casesDue),
  caseOnTimeClosureRate: ratio(tally.casesClosedOnTime, tally.casesOnTimeDenominator),
  openOverdueCases: openOverdue ? openOverdue.cases : null,
  ...sanitation,
});

/**
 * The indicators of every area that has data on `facts.date`: `city`, and each district and street
 * a record of the day is placed in, or an item open and overdue at its end. Pure: same facts,
 * reference and `asOf` give the same numbers.
 */
export const computeDailyIndicators = (
  facts: DailyFacts,
  context: ComputeContext,
): Map<AreaKey, IndicatorValues> => {
  const tallies = new Map<AreaKey, Tally>();
  const tallyIn = (placement: TicketState['placement'], add: (tally: Tally) => void) => {
    for (const area of placeRecord(placement, context.areas)) {
      let tally = tallies.get(area);
      if (!tally) {
        tally = emptyTally();
        tallies.set(area, tally);
      }
      add(tally);
    }
  };
  for (const ticket of facts.tickets) {
    if (ticket.cohortDay === facts.date)
      tallyIn(ticket.placement, (tally) => tallyTicket(tally, ticket, context.asOf));
  }
  for (const cityCase of facts.cases) {
    if (cityCase.cohortDay === facts.date)
      tallyIn(cityCase.placement, (tally) => tallyCase(tally, cityCase, context.asOf));
  }
  const sanitation = facts.sanitation
    ? computeSanitation(facts.sanitation)
    : new Map<AreaKey, SanitationValues>();
  const overdue = facts.openOverdue;
  const areas = [...new Set([...tallies.keys(), ...sanitation.keys(), ...(overdue?.keys() ?? [])])].sort();
  const result = new Map<AreaKey, IndicatorValues>();
  for (const area of areas)
    result.set(
      area,
      indicatorsOf(
        tallies.get(area) ?? emptyTally(),
        sanitation.get(area),
        overdue ? (overdue.get(area) ?? { tickets: 0, cases: 0 }) : undefined,
      ),
    );
  return result;
};
