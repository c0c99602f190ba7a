import { describe, expect, it } from 'vitest';
import { buildAreaRegistry } from '#shared/domain/area-registry';
import { placeRecord } from '#shared/domain/areas';
import { unknownCodes } from '#shared/domain/quality';
import { areasSchema } from '#shared/schemas/reference';
import { testAreas } from '../../support/demo-areas.ts';

const registry = buildAreaRegistry(testAreas);

describe('placement with registered areas', () => {
  it.each([
    [
      'a point in a street polygon',
      { location: { lat: 39.92, lon: 116.35 } },
      ['city', 'district:west', 'street:west-south'],
    ],
    [
      'a point in a district outside its streets',
      { location: { lat: 39.97, lon: 116.45 } },
      ['city', 'district:east'],
    ],
    [
      'a point in the outlying piece of a MultiPolygon',
      { location: { lat: 40.15, lon: 116.45 } },
      ['city', 'district:east'],
    ],
    ['a point outside every polygon', { location: { lat: 30, lon: 120 } }, ['city']],
    [
      'a street code, whose parent district wins over the record’s',
      { street: 'east-south', district: 'west' },
      ['city', 'district:east', 'street:east-south'],
    ],
    [
      'a district code before the location',
      { district: 'west', location: { lat: 39.92, lon: 116.45 } },
      ['city', 'district:west'],
    ],
    [
      'an unknown street code with its district',
      { street: 'nowhere', district: 'west' },
      ['city', 'district:west', 'street:nowhere'],
    ],
    ['nothing', {}, ['city']],
  ])('places %s', (_, fields, areas) => {
    expect(placeRecord(fields, registry)).toEqual(areas);
  });
});

describe('unknown codes', () => {
  it('counts records per source and code that the registry does not know', () => {
    expect(
      unknownCodes(
        [
          { source: 'hotline', district: 'west', street: 'west-south' },
          { source: 'hotline', district: 'north' },
          { source: 'hotline', district: 'north', street: 'x' },
          { source: 'city-platform', street: 'x' },
        ],
        registry,
      ),
    ).toEqual({ hotline: { 'district:north': 2, 'street:x': 1 }, 'city-platform': { 'street:x': 1 } });
  });
});

describe('the areas schema', () => {
  it('accepts the test collection', () => {
    expect(areasSchema.safeParse(testAreas).success).toBe(true);
  });

  it.each([
    [
      'a street without a parent',
      { code: 's', name: 'S', level: 'street' },
      'must name a district of this collection',
    ],
    [
      'a street whose parent is not listed',
      { code: 's', name: 'S', level: 'street', parent: 'north' },
      'got north',
    ],
    ['a duplicate code', { code: 'west', name: 'W', level: 'district' }, 'district:west is listed twice'],
    ['an upper-case code', { code: 'West2', name: 'W', level: 'district' }, 'must match'],
  ])('refuses %s', (_, properties, message) => {
    const geometry = testAreas.features[0]?.geometry;
    const parsed = areasSchema.safeParse({
      ...testAreas,
      features: [...testAreas.features, { type: 'Feature', geometry, properties }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message).join(' ')).toContain(message);
  });

  it('refuses an unclosed ring', () => {
    const open = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
        ],
      ],
    };
    const parsed = areasSchema.safeParse({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: open, properties: { code: 'a', name: 'A', level: 'district' } },
      ],
    });
    expect(parsed.error?.issues[0]?.message).toBe('a linear ring must end where it starts');
  });
});
