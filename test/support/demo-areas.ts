import type { Areas } from '#shared/schemas/reference';

const box = (minLon: number, minLat: number, maxLon: number, maxLat: number): number[][][] => [
  [
    [minLon, minLat],
    [maxLon, minLat],
    [maxLon, maxLat],
    [minLon, maxLat],
    [minLon, minLat],
  ],
];

/**
 * Two districts side by side (west: lon 116.30–116.40, east: 116.40–116.50, lat 39.90–40.00), each
 * with one street polygon in its southern half; the east district is a MultiPolygon with an outlying
 * piece at lat 40.10–40.20.
 */
export const testAreas: Areas = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: box(116.3, 39.9, 116.4, 40.0) },
      properties: { code: 'west', name: '西区', level: 'district' },
    },
    {
      type: 'Feature',
      geometry: {
        type: 'MultiPolygon',
        coordinates: [box(116.4, 39.9, 116.5, 40.0), box(116.4, 40.1, 116.5, 40.2)],
      },
      properties: { code: 'east', name: '东区', level: 'district' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: box(116.3, 39.9, 116.4, 39.95) },
      properties: { code: 'west-south', name: '西南街道', level: 'street', parent: 'west' },
    },
    {
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: box(116.4, 39.9, 116.5, 39.95) },
      properties: { code: 'east-south', name: '东南街道', level: 'street', parent: 'east' },
    },
  ],
};
