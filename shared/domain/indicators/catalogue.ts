/** One published indicator: its name in the API, its Chinese name, and its unit. */
export interface IndicatorInfo {
  readonly name: string;
  readonly chineseName: string;
  readonly unit: 'count' | 'fraction' | 'hours' | 'km';
  readonly description: string;
}

/** Every indicator cityhub publishes, in the column order of CSV answers. */
export const indicatorCatalogue = [
  {
    name: 'ticketsReceived',
    chineseName: '受理量',
    unit: 'count',
    description: 'Tickets whose earliest received event falls on the day',
  },
  {
    name: 'ticketsClosed',
    chineseName: '办结量',
    unit: 'count',
    description: 'Tickets of the cohort whose latest closed/reopened event is closed',
  },
  {
    name: 'ticketClosureRate',
    chineseName: '办结率',
    unit: 'fraction',
    description: 'ticketsClosed / ticketsReceived',
  },
  {
    name: 'ticketOnTimeClosureRate',
    chineseName: '按时办结率',
    unit: 'fraction',
    description: 'Closed by the deadline / cohort tickets closed or past their deadline',
  },
  {
    name: 'ticketSatisfactionRate',
    chineseName: '满意率',
    unit: 'fraction',
    description: 'Tickets whose latest callback is satisfied / tickets with a callback',
  },
  {
    name: 'avgTicketClosureHours',
    chineseName: '平均办结时长',
    unit: 'hours',
    description: 'Mean hours from received to closed over closed cohort tickets',
  },
] as const satisfies readonly IndicatorInfo[];

export type IndicatorName = (typeof indicatorCatalogue)[number]['name'];
export const indicatorNames: readonly IndicatorName[] = indicatorCatalogue.map((info) => info.name);

/** The indicators of one (day, area): every catalogue name, a number or null (rate over 0). */
export type IndicatorValues = Record<IndicatorName, number | null>;
