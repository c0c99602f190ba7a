import { type AreaRegistry, placeRecord } from '#shared/domain/areas';
import type { IndicatorValues } from '#shared/domain/indicators/catalogue';
import type { TicketState } from '#shared/domain/tickets';
import { HOUR_MS } from '#shared/domain/time';
import type { AreaKey } from '#shared/schemas/common';

/** Everything the indicators of one day depend on, gathered by storage. */
export interface DailyFacts {
  readonly date: string;
  /** Tickets whose cohort day is `date` (others are ignored). */
  readonly tickets: readonly TicketState[];
}

/** Reference data and the moment of computation. */
export interface ComputeContext {
  readonly areas: AreaRegistry;
  /** Deadlines before this instant (epoch ms) have passed. */
  readonly asOf: number;
}

/** A fraction, or null when the denominator is 0 (CONTRACT §5). */
export const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;

interface TicketTally {
  received: number;
  closed: number;
  closedOnTime: number;
  onTimeDenominator: number;
  withCallback: number;
  satisfied: number;
  closureHours: number;
}

const emptyTally = (): TicketTally => ({
  received: 0,
  closed: 0,
  closedOnTime: 0,
  onTimeDenominator: 0,
  withCallback: 0,
  satisfied: 0,
  closureHours: 0,
});

const tallyTicket = (tally: TicketTally, ticket: TicketState, asOf: number): void => {
  tally.received += 1;
  const onTime =
    ticket.closed &&
    ticket.closedAt !== undefined &&
    ticket.deadline !== undefined &&
    ticket.closedAt <= ticket.deadline;
  const pastDeadline = ticket.deadline !== undefined && ticket.deadline < asOf;
  if (ticket.closed && ticket.closedAt !== undefined && ticket.receivedAt !== undefined) {
    tally.closed += 1;
    tally.closureHours += (ticket.closedAt - ticket.receivedAt) / HOUR_MS;
  }
  if (onTime) tally.closedOnTime += 1;
  if (ticket.closed || pastDeadline) tally.onTimeDenominator += 1;
  if (ticket.satisfaction) {
    tally.withCallback += 1;
    if (ticket.satisfaction === 'satisfied') tally.satisfied += 1;
  }
};

const ticketIndicators = (tally: TicketTally): IndicatorValues => ({
  ticketsReceived: tally.received,
  ticketsClosed: tally.closed,
  ticketClosureRate: ratio(tally.closed, tally.received),
  ticketOnTimeClosureRate: ratio(tally.closedOnTime, tally.onTimeDenominator),
  ticketSatisfactionRate: ratio(tally.satisfied, tally.withCallback),
  avgTicketClosureHours: ratio(tally.closureHours, tally.closed),
});

/**
 * The indicators of every area that has data on `facts.date`: `city`, and each district and street
 * a record of the day is placed in. Pure: same facts, reference and `asOf` give the same numbers.
 */
export const computeDailyIndicators = (
  facts: DailyFacts,
  context: ComputeContext,
): Map<AreaKey, IndicatorValues> => {
  const tallies = new Map<AreaKey, TicketTally>();
  for (const ticket of facts.tickets) {
    if (ticket.cohortDay !== facts.date) continue;
    for (const area of placeRecord(ticket.placement, context.areas)) {
      let tally = tallies.get(area);
      if (!tally) {
        tally = emptyTally();
        tallies.set(area, tally);
      }
      tallyTicket(tally, ticket, context.asOf);
    }
  }
  const result = new Map<AreaKey, IndicatorValues>();
  for (const [area, tally] of [...tallies].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    result.set(area, ticketIndicators(tally));
  }
  return result;
};
