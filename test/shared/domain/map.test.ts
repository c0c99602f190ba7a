import { describe, expect, it } from 'vitest';
import { buildAreaRegistry } from '#shared/domain/area-registry';
import { caseFacts, ticketFacts } from '#shared/domain/entity-facts';
import type { IndicatorValues } from '#shared/domain/indicators/catalogue';
import type { IndicatorItem } from '#shared/domain/indicators/item';
import {
  areaCentres,
  areaIndicatorFeatures,
  caseMapStatus,
  eventPoints,
  type MapItem,
  polygonCentre,
  roadCoverageFeatures,
  segmentShares,
  withCaseCategories,
} from '#shared/domain/map';
import { computeSanitation } from '#shared/domain/sanitation/indicators';
import { buildRoadNetwork } from '#shared/domain/sanitation/road-network';
import type { CityPlatformRecord, HotlineRecord } from '#shared/schemas/ingest';
import type { Areas } from '#shared/schemas/reference';
import { testRoads } from '../../support/metric-city.ts';

const TZ = 'Asia/Shanghai';

describe('road coverage on the map', () => {
  // testRoads: main, cross, north 200 m planned (200 cells each); service 200 m, not planned.
  const network = buildRoadNetwork(testRoads);
  const index = (segmentId: string) => network.bySegmentId.get(segmentId) as number;
  // main fully cleaned, cross half, north nothing; cells on the unplanned service road count nowhere.
  const cleanedCells = new Map([
    [index('main'), 200],
    [index('cross'), 100],
    [index('service'), 50],
  ]);

  it('gives each planned segment its cleaned cells over its cells, and unplanned ones no share', () => {
    expect(network.segments.map((segment) => segment.cells)).toEqual([200, 200, 200, 200]);
    expect(segmentShares(network, cleanedCells)).toEqual([1, 0.5, 0, null]);
  });

  it('gives no segment a share on a day without coverage data', () => {
    expect(segmentShares(network, undefined)).toEqual([null, null, null, null]);
  });

  it('builds LineStrings with lengths and cleaned metres', () => {
    const features = roadCoverageFeatures(testRoads, network, cleanedCells);
    expect(features.map((feature) => feature.properties)).toEqual([
      {
        segmentId: 'main',
        district: 'east',
        street: 'east-south',
        planned: true,
        widthM: 15,
        lengthM: 200,
        cleanedM: 200,
        share: 1,
      },
      {
        segmentId: 'cross',
        district: 'east',
        planned: true,
        widthM: 10,
        lengthM: 200,
        cleanedM: 100,
        share: 0.5,
      },
      {
        segmentId: 'north',
        district: 'west',
        planned: true,
        widthM: 30,
        lengthM: 200,
        cleanedM: 0,
        share: 0,
      },
      {
        segmentId: 'service',
        district: 'west',
        planned: false,
        widthM: 15,
        lengthM: 200,
        cleanedM: null,
        share: null,
      },
    ]);
    const [first] = testRoads.features[0]?.geometry.coordinates ?? [];
    expect(features[0]?.geometry).toEqual({
      type: 'LineString',
      coordinates: [[Number(first?.[0]?.toFixed(6)), Number(first?.[1]?.toFixed(6))], expect.any(Array)],
    });
  });

  it("sums to each area's cleanedRoadKm as the indicators compute it", () => {
    const features = roadCoverageFeatures(testRoads, network, cleanedCells);
    const indicators = computeSanitation({
      reference: { network, vehicles: new Map() },
      vehicles: new Map(),
      cleanedCells,
    });
    const km = (keep: (properties: (typeof features)[number]['properties']) => boolean) =>
      features
        .filter((feature) => feature.properties.planned && keep(feature.properties))
        .reduce((sum, feature) => sum + (feature.properties.cleanedM ?? 0), 0) / 1000;
    // Hand-computed: city 200 + 100 = 300 m; east the same; west 0; street east-south 200 m.
    expect(km(() => true)).toBe(0.3);
    expect(indicators.get('city')?.cleanedRoadKm).toBeCloseTo(
      km(() => true),
      9,
    );
    expect(indicators.get('district:east')?.cleanedRoadKm).toBeCloseTo(
      km((p) => p.district === 'east'),
      9,
    );
    expect(indicators.get('district:west')?.cleanedRoadKm).toBe(0);
    expect(indicators.get('street:east-south')?.cleanedRoadKm).toBeCloseTo(
      km((p) => p.street === 'east-south'),
      9,
    );
  });

  it('leaves segments the network does not know (another registry version) without a share', () => {
    const older = buildRoadNetwork({ ...testRoads, features: testRoads.features.slice(0, 1) });
    const features = roadCoverageFeatures(testRoads, older, new Map([[0, 100]]));
    expect(features.map((feature) => feature.properties.share)).toEqual([0.5, null, null, null]);
  });
});

const square = (x0: number, y0: number, size: number) => [
  [x0, y0],
  [x0 + size, y0],
  [x0 + size, y0 + size],
  [x0, y0 + size],
  [x0, y0],
];

/** District d1 is the square (0, 0)–(2, 2); its street s1 the square (0, 0)–(1, 1); district d2 (10, 10)–(12, 12). */
const areas: Areas = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [square(0, 0, 1)] },
      properties: { code: 's1', name: '一街', level: 'street', parent: 'd1' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [square(0, 0, 2)] },
      properties: { code: 'd1', name: '一区', level: 'district' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: [square(10, 10, 2)] },
      properties: { code: 'd2', name: '二区', level: 'district' },
    },
  ],
};

describe('polygon centres', () => {
  it.each([
    ['a square', { type: 'Polygon' as const, coordinates: [square(0, 0, 2)] }, [1, 1]],
    [
      // Rectangle (0,0)–(2,1), area 2, centre (1, 0.5), and square (0,1)–(1,2), area 1, centre (0.5, 1.5):
      // ((2·1 + 1·0.5) / 3, (2·0.5 + 1·1.5) / 3) = (5/6, 5/6).
      'an L shape',
      {
        type: 'Polygon' as const,
        coordinates: [
          [
            [0, 0],
            [2, 0],
            [2, 1],
            [1, 1],
            [1, 2],
            [0, 2],
            [0, 0],
          ],
        ],
      },
      [5 / 6, 5 / 6],
    ],
    [
      'the largest part of a MultiPolygon',
      { type: 'MultiPolygon' as const, coordinates: [[square(10, 10, 1)], [square(0, 0, 4)]] },
      [2, 2],
    ],
    [
      'a ring without area, as the mean of its vertices',
      {
        type: 'Polygon' as const,
        coordinates: [
          [
            [0, 0],
            [3, 0],
            [0, 0],
            [0, 0],
          ],
        ],
      },
      [1, 0],
    ],
  ])('of %s', (_name, geometry, expected) => {
    const [x, y] = polygonCentre(geometry);
    expect(x).toBeCloseTo(expected[0] as number, 12);
    expect(y).toBeCloseTo(expected[1] as number, 12);
  });
});

const item = (area: string, values: Partial<IndicatorValues>): IndicatorItem => ({
  date: '2026-03-02',
  area: area as IndicatorItem['area'],
  timezone: TZ,
  indicators: values as IndicatorValues,
  revision: 1,
  computedAt: '2026-03-03T00:00:00.000Z',
});

describe('areas with an indicator', () => {
  const items = [
    item('city', { ticketsReceived: 9 }),
    item('district:d1', { ticketsReceived: 5, roadCleaningRate: null }),
    item('street:s1', { ticketsReceived: 2 }),
  ];

  it('gives districts then streets their value of the day, null where nothing was published', () => {
    const features = areaIndicatorFeatures(areas, items, 'ticketsReceived');
    expect(features.map((feature) => feature.properties)).toEqual([
      { area: 'district:d1', code: 'd1', name: '一区', level: 'district', value: 5 },
      { area: 'district:d2', code: 'd2', name: '二区', level: 'district', value: null },
      { area: 'street:s1', code: 's1', name: '一街', level: 'street', parent: 'd1', value: 2 },
    ]);
    expect(features[0]?.geometry).toEqual(areas.features[1]?.geometry);
  });

  it('keeps a null rate null and filters by level', () => {
    expect(
      areaIndicatorFeatures(areas, items, 'roadCleaningRate', 'district').map((feature) => [
        feature.properties.area,
        feature.properties.value,
      ]),
    ).toEqual([
      ['district:d1', null],
      ['district:d2', null],
    ]);
    expect(areaIndicatorFeatures(areas, items, 'ticketsReceived', 'street')).toHaveLength(1);
  });

  it('has no features before areas are registered', () => {
    expect(areaIndicatorFeatures(undefined, items, 'ticketsReceived')).toEqual([]);
  });
});

const ticket = (id: string, placement: Partial<HotlineRecord>, closed = false): MapItem => {
  const events: HotlineRecord[] = [
    {
      eventId: `${id}-r`,
      ticketId: id,
      type: 'received',
      occurredAt: '2026-03-02T10:00:00+08:00',
      category: `cat-${id}`,
      ...placement,
    },
  ];
  if (closed)
    events.push({
      ...events[0],
      eventId: `${id}-c`,
      type: 'closed',
      occurredAt: '2026-03-02T12:00:00+08:00',
    } as HotlineRecord);
  return { kind: 'ticket', facts: ticketFacts(id, events, TZ) };
};

const caseItem = (
  id: string,
  types: CityPlatformRecord['type'][],
  placement: Partial<CityPlatformRecord>,
): MapItem => ({
  kind: 'case',
  facts: caseFacts(
    id,
    types.map((type, position) => ({
      eventId: `${id}-${position}`,
      caseId: id,
      type,
      occurredAt: `2026-03-02T${String(9 + position).padStart(2, '0')}:00:00+08:00`,
      category: 'road-damage',
      ...(position === 0 ? placement : {}),
    })),
    TZ,
  ),
});

describe('ticket and case points', () => {
  const registry = buildAreaRegistry(areas);
  const centres = areaCentres(areas);
  const items = [
    ticket('t1', { street: 's1' }, true),
    ticket('t2', { district: 'd1' }),
    ticket('t3', { location: { lat: 1.5, lon: 1.8 } }),
    ticket('t4', {}),
    ticket('t5', { district: 'unregistered' }),
    caseItem('c1', ['reported', 'filed', 'dispatched'], { district: 'd2' }),
  ];

  it('places each item at its location, else its street centre, else its district centre', () => {
    const points = eventPoints(items, registry, centres, 100);
    expect(points).toMatchObject({ total: 4, truncated: false, unplaced: 2 });
    expect(points.features.map((feature) => [feature.geometry.coordinates, feature.properties])).toEqual([
      [
        [0.5, 0.5],
        {
          kind: 'ticket',
          id: 't1',
          category: 'cat-t1',
          status: 'closed',
          area: 'street:s1',
          placedBy: 'street',
        },
      ],
      [
        [1, 1],
        {
          kind: 'ticket',
          id: 't2',
          category: 'cat-t2',
          status: 'open',
          area: 'district:d1',
          placedBy: 'district',
        },
      ],
      [
        [1.8, 1.5],
        {
          kind: 'ticket',
          id: 't3',
          category: 'cat-t3',
          status: 'open',
          area: 'district:d1',
          placedBy: 'location',
        },
      ],
      [
        [11, 11],
        {
          kind: 'case',
          id: 'c1',
          category: null,
          status: 'dispatched',
          area: 'district:d2',
          placedBy: 'district',
        },
      ],
    ]);
  });

  it('keeps the shares of tickets and cases within the cap, and says it truncated', () => {
    // 3 tickets and 1 case placed, cap 2: tickets round(2 · 3/4) = 2 (t1, t2), cases 0.
    const two = eventPoints(items, registry, centres, 2);
    expect(two).toMatchObject({ total: 4, truncated: true, unplaced: 2 });
    expect(two.features.map((feature) => feature.properties.id)).toEqual(['t1', 't2']);
    // Cap 3: tickets round(3 · 3/4) = 2, cases 1.
    expect(eventPoints(items, registry, centres, 3).features.map((feature) => feature.properties.id)).toEqual(
      ['t1', 't2', 'c1'],
    );
  });

  it("fills in the drawn cases' categories", () => {
    const points = withCaseCategories(
      eventPoints(items, registry, centres, 100),
      new Map([['c1', 'broken-manhole']]),
    );
    expect(points.features.find((feature) => feature.properties.id === 'c1')?.properties.category).toBe(
      'broken-manhole',
    );
    expect(points.features.find((feature) => feature.properties.id === 't1')?.properties.category).toBe(
      'cat-t1',
    );
  });

  it.each([
    [['reported'], 'reported'],
    [['reported', 'filed'], 'filed'],
    [['reported', 'filed', 'dispatched'], 'dispatched'],
    [['reported', 'filed', 'dispatched', 'closed'], 'closed'],
    [['reported', 'filed', 'suspended'], 'suspended'],
    [['reported', 'filed', 'suspended', 'resumed'], 'filed'],
    [['reported', 'filed', 'cancelled'], 'cancelled'],
    [['reported', 'filed', 'dispatched', 'closed', 'rework'], 'dispatched'],
  ] as const)('maps a case with events %j to status %s', (types, status) => {
    const found = caseItem('c', [...types], {});
    expect(found.kind === 'case' && caseMapStatus(found.facts)).toBe(status);
  });
});
