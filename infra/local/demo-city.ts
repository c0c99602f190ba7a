import type { Areas, Roads, Vehicles } from '#shared/schemas/reference';

/**
 * The demo city's geography: four districts in a 2 × 2 grid (0.1° a side), each cut into three street
 * strips from west to east, with a grid of roads and a sanitation fleet per district. Everything is
 * deterministic, so every demo shows the same city.
 */
export const demoDistricts = [
  { code: 'dongcheng', name: '东城区', streets: ['donghuamen', 'jingshan', 'jianguomen'] },
  { code: 'xicheng', name: '西城区', streets: ['xichanganjie', 'jinrongjie', 'shichahai'] },
  { code: 'chaoyang', name: '朝阳区', streets: ['jianwai', 'sanlitun', 'wangjing'] },
  { code: 'haidian', name: '海淀区', streets: ['zhongguancun', 'haidianjie', 'xueyuanlu'] },
] as const;

const streetNames: Record<string, string> = {
  donghuamen: '东华门街道',
  jingshan: '景山街道',
  jianguomen: '建国门街道',
  xichanganjie: '西长安街街道',
  jinrongjie: '金融街街道',
  shichahai: '什刹海街道',
  jianwai: '建外街道',
  sanlitun: '三里屯街道',
  wangjing: '望京街道',
  zhongguancun: '中关村街道',
  haidianjie: '海淀街道',
  xueyuanlu: '学院路街道',
};

/** The demo city: district code → its street codes. */
export const demoCity: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  demoDistricts.map((district) => [district.code, district.streets]),
);

/** South-west corner of the demo city and the side of a district, in degrees. */
export const CITY_ORIGIN = { lon: 116.3, lat: 39.85 } as const;
export const DISTRICT_SIZE = 0.1;
/** Roads per direction in a district, evenly spaced. */
export const ROAD_LINES = 10;
const ROAD_SPACING = DISTRICT_SIZE / ROAD_LINES;

/** Metres per degree near the demo city (equirectangular, as the road network projects). */
export const METRES_PER_DEGREE_LAT = (6_371_008.8 * Math.PI) / 180;
export const METRES_PER_DEGREE_LON =
  METRES_PER_DEGREE_LAT * Math.cos(((CITY_ORIGIN.lat + DISTRICT_SIZE) * Math.PI) / 180);

/** South-west corner of the district at `index` of {@link demoDistricts}. */
export const districtOrigin = (index: number) => ({
  lon: CITY_ORIGIN.lon + (index % 2) * DISTRICT_SIZE,
  lat: CITY_ORIGIN.lat + Math.floor(index / 2) * DISTRICT_SIZE,
});

/** Offset (degrees from the district's west or south edge) of road line `k`. */
export const roadOffset = (k: number) => (k + 0.5) * ROAD_SPACING;

/** A small deterministic generator (mulberry32): the same seed gives the same demo. */
export const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

export const pick = <T>(next: () => number, items: readonly T[]): T =>
  items[Math.floor(next() * items.length)] as T;

const rectangle = (minLon: number, minLat: number, maxLon: number, maxLat: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [minLon, minLat],
      [maxLon, minLat],
      [maxLon, maxLat],
      [minLon, maxLat],
      [minLon, minLat],
    ],
  ],
});

/** The demo city's districts and streets as `PUT /reference/areas` takes them. */
export const demoAreas = (): Areas => ({
  type: 'FeatureCollection',
  features: demoDistricts.flatMap((district, index) => {
    const { lon: minLon, lat: minLat } = districtOrigin(index);
    const strip = DISTRICT_SIZE / district.streets.length;
    return [
      {
        type: 'Feature' as const,
        geometry: rectangle(minLon, minLat, minLon + DISTRICT_SIZE, minLat + DISTRICT_SIZE),
        properties: { code: district.code, name: district.name, level: 'district' as const },
      },
      ...district.streets.map((street, position) => ({
        type: 'Feature' as const,
        geometry: rectangle(
          minLon + position * strip,
          minLat,
          minLon + (position + 1) * strip,
          minLat + DISTRICT_SIZE,
        ),
        properties: {
          code: street,
          name: streetNames[street] ?? street,
          level: 'street' as const,
          parent: district.code,
        },
      })),
    ];
  }),
});

/**
 * Road line `k` of a district: 1 trunk (lines 0 and 5, 30 m wide), 2 main (odd lines, 18 m),
 * 3 secondary (12 m), 4 alley (line 9, 6 m, not in the cleaning plan).
 */
export const roadLevel = (k: number): 1 | 2 | 3 | 4 => (k % 5 === 0 ? 1 : k === 9 ? 4 : k % 2 === 1 ? 2 : 3);
const widthOfLevel = { 1: 30, 2: 18, 3: 12, 4: 6 } as const;

/**
 * The demo road network: per district, ten north–south and ten west–east roads, cut into segments at
 * every crossing (880 segments, about 780 km), each with its street, width and level.
 */
export const demoRoads = (): Roads => ({
  type: 'FeatureCollection',
  features: demoDistricts.flatMap((district, index) => {
    const origin = districtOrigin(index);
    const cuts = [0, ...Array.from({ length: ROAD_LINES }, (_, k) => roadOffset(k)), DISTRICT_SIZE];
    const streetAt = (lonOffset: number) =>
      district.streets[
        Math.min(
          district.streets.length - 1,
          Math.floor((lonOffset / DISTRICT_SIZE) * district.streets.length),
        )
      ] as string;
    return Array.from({ length: ROAD_LINES }, (_, k) => {
      const level = roadLevel(k);
      const properties = {
        district: district.code,
        widthM: widthOfLevel[level],
        level,
        planned: level !== 4,
      };
      return cuts.slice(1).flatMap((to, i) => {
        const from = cuts[i] as number;
        const northSouth = {
          type: 'Feature' as const,
          geometry: {
            type: 'LineString' as const,
            coordinates: [
              [origin.lon + roadOffset(k), origin.lat + from],
              [origin.lon + roadOffset(k), origin.lat + to],
            ],
          },
          properties: {
            ...properties,
            segmentId: `${district.code}-ns${k}-${i}`,
            name: `${district.name}南北${k + 1}路`,
            street: streetAt(roadOffset(k)),
          },
        };
        const westEast = {
          type: 'Feature' as const,
          geometry: {
            type: 'LineString' as const,
            coordinates: [
              [origin.lon + from, origin.lat + roadOffset(k)],
              [origin.lon + to, origin.lat + roadOffset(k)],
            ],
          },
          properties: {
            ...properties,
            segmentId: `${district.code}-we${k}-${i}`,
            name: `${district.name}东西${k + 1}路`,
            street: streetAt((from + to) / 2),
          },
        };
        return [northSouth, westEast];
      });
    }).flat();
  }),
});

/** Vehicles of each type per district. */
export const FLEET_PER_DISTRICT = { sweeper: 5, washer: 3, sprinkler: 2, garbage_truck: 1 } as const;

/** The demo fleet (44 vehicles) as `PUT /reference/vehicles` takes it. */
export const demoVehicles = (): Vehicles =>
  demoDistricts.flatMap((district) =>
    Object.entries(FLEET_PER_DISTRICT).flatMap(([type, count]) =>
      Array.from({ length: count }, (_, n) => ({
        vehicleId: `${district.code}-${type.replace('_', '-')}-${n + 1}`,
        type: type as keyof typeof FLEET_PER_DISTRICT,
        district: district.code,
      })),
    ),
  );
