/** One published indicator: its name in the API, its Chinese name, its unit and which way is better. */
export interface IndicatorInfo {
  readonly name: string;
  readonly chineseName: string;
  readonly unit: 'count' | 'fraction' | 'hours' | 'km';
  readonly description: string;
  /**
   * Which way a department does better: `lower` (rework, time to close) or `higher`, the default when
   * absent (rates of closure, coverage, attendance; volumes of work done; volumes of demand too: more
   * reports mean more attention, not worse work). Rankings put the better end first; read it with
   * {@link betterOf}. Left out where it is `higher` to keep the function bundles small.
   */
  readonly better?: 'higher' | 'lower';
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
    better: 'lower',
    description: 'Mean hours from received to closed over closed cohort tickets',
  },
  {
    name: 'openOverdueTickets',
    chineseName: '超期未办结工单数',
    unit: 'count',
    better: 'lower',
    description: 'Tickets open and past their deadline at 24:00 of the day (null until the day ends)',
  },
  {
    name: 'casesReported',
    chineseName: '上报数',
    unit: 'count',
    description: 'Cases whose earliest event falls on the day',
  },
  {
    name: 'casesFiled',
    chineseName: '立案数',
    unit: 'count',
    description: 'Cases of the cohort with a filed event',
  },
  {
    name: 'caseFilingRate',
    chineseName: '立案率',
    unit: 'fraction',
    description: 'casesFiled / casesReported',
  },
  {
    name: 'caseDispatchRate',
    chineseName: '派遣率',
    unit: 'fraction',
    description: 'Filed cases with a dispatched event / casesFiled',
  },
  {
    name: 'casesClosed',
    chineseName: '结案数',
    unit: 'count',
    description: 'Due cases whose latest closed/rework event is closed',
  },
  {
    name: 'caseClosureRate',
    chineseName: '结案率',
    unit: 'fraction',
    description: 'casesClosed / due cases (应结案: filed, not cancelled, not suspended)',
  },
  {
    name: 'caseReworkRate',
    chineseName: '返工率',
    unit: 'fraction',
    better: 'lower',
    description: 'Due cases with any rework event / due cases',
  },
  {
    name: 'caseOnTimeClosureRate',
    chineseName: '按期结案率',
    unit: 'fraction',
    description: 'Closed due cases closed by the deadline / due cases closed or past their deadline',
  },
  {
    name: 'openOverdueCases',
    chineseName: '超期未结案件数',
    unit: 'count',
    better: 'lower',
    description:
      'Cases filed, not closed, cancelled nor suspended, past their deadline at 24:00 of the day (null until the day ends)',
  },
  {
    name: 'plannedRoadKm',
    chineseName: '计划清扫道路里程',
    unit: 'km',
    description: 'Length of planned road segments of the area',
  },
  {
    name: 'cleanedRoadKm',
    chineseName: '已清扫道路里程',
    unit: 'km',
    description: 'Length of planned roads that a working piece of the day passed within 20 m and 30°',
  },
  {
    name: 'roadCleaningRate',
    chineseName: '道路清扫率',
    unit: 'fraction',
    description: 'cleanedRoadKm / plannedRoadKm',
  },
  {
    name: 'mechanizedCleaningRate',
    chineseName: '机械化作业率',
    unit: 'fraction',
    description: 'Cleaned length × widthM / planned length × widthM, over planned segments',
  },
  {
    name: 'operatingKm',
    chineseName: '作业里程',
    unit: 'km',
    description: "Length of the day's working pieces of the area's sweepers and washers (registry district)",
  },
  {
    name: 'vehicleAttendanceRate',
    chineseName: '出勤率',
    unit: 'fraction',
    description:
      'Registered sweepers and washers with ≥ 30 min of working pieces / registered sweepers and washers',
  },
] as const satisfies readonly IndicatorInfo[];

export type IndicatorName = (typeof indicatorCatalogue)[number]['name'];
export const indicatorNames: readonly IndicatorName[] = indicatorCatalogue.map((info) => info.name);

/** The indicators of one (day, area): every catalogue name, a number or null (rate over 0). */
export type IndicatorValues = Record<IndicatorName, number | null>;

/** Which way an indicator is better: its catalogue `better`, `higher` when absent or unknown. */
export const betterOf = (name: string): 'higher' | 'lower' =>
  (indicatorCatalogue as readonly IndicatorInfo[]).find((info) => info.name === name)?.better ?? 'higher';
