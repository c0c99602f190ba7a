import { describe, expect, it } from 'vitest';
import { listAreas } from '#shared/domain/area-list';
import type { Areas } from '#shared/schemas/reference';

const square = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [116.3, 39.8],
      [116.4, 39.8],
      [116.4, 39.9],
      [116.3, 39.8],
    ],
  ],
};
const feature = (properties: Areas['features'][number]['properties']) => ({
  type: 'Feature' as const,
  geometry: square,
  properties,
});

describe('listAreas', () => {
  it('lists districts first, then streets, each in registry order, without polygons', () => {
    const areas: Areas = {
      type: 'FeatureCollection',
      features: [
        feature({ code: 'jingshan', name: '景山街道', level: 'street', parent: 'dongcheng' }),
        feature({ code: 'xicheng', name: '西城区', level: 'district' }),
        feature({ code: 'dongcheng', name: '东城区', level: 'district' }),
      ],
    };
    expect(listAreas(areas)).toEqual([
      { area: 'district:xicheng', code: 'xicheng', name: '西城区', level: 'district' },
      { area: 'district:dongcheng', code: 'dongcheng', name: '东城区', level: 'district' },
      { area: 'street:jingshan', code: 'jingshan', name: '景山街道', level: 'street', parent: 'dongcheng' },
    ]);
  });

  it('lists nothing before any areas were put', () => {
    expect(listAreas(undefined)).toEqual([]);
  });
});
