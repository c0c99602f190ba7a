import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '#shared/domain/errors';
import { defaultWorkingFlag, encodeLocationFrame } from '#shared/domain/jt808';
import { unwrapJt808 } from '#shared/domain/jt808-ingest';
import { MAX_LISTED_ERRORS, moreErrorsNotListed } from '#shared/schemas/messages';
import { batchBody, body, item, messageFrame, packaged, word } from './jt808-frames.ts';

const frame = (t: string, working?: boolean) =>
  encodeLocationFrame({
    terminal: '13800138000',
    serial: 7,
    t,
    lat: 39.9,
    lon: 116.4,
    speedKmh: 6.5,
    ...(working === undefined ? {} : { working }),
  });
const unwrap = unwrapJt808(defaultWorkingFlag);

describe('JT/T 808 batches', () => {
  it('turns good frames into points of a sanitation batch', () => {
    const { candidates, rejected } = unwrap({
      records: [
        {
          eventId: 'e1',
          vehicleId: 'v1',
          frames: [frame('2026-03-02T09:00:00+08:00', true), frame('2026-03-02T09:00:10+08:00')],
        },
      ],
    });
    expect(rejected).toEqual([]);
    expect(candidates).toEqual([
      {
        index: 0,
        record: {
          eventId: 'e1',
          vehicleId: 'v1',
          points: [
            { t: '2026-03-02T09:00:00+08:00', lat: 39.9, lon: 116.4, speedKmh: 6.5, working: true },
            { t: '2026-03-02T09:00:10+08:00', lat: 39.9, lon: 116.4, speedKmh: 6.5 },
          ],
        },
        original: expect.any(Object),
      },
    ]);
  });

  it('keeps the good frames of a record and lists each bad one with its reason', () => {
    const good = frame('2026-03-02T09:00:00+08:00');
    const badChecksum = `${good.slice(0, -4)}${good.slice(-4, -2) === '00' ? '01' : '00'}7e`;
    const { candidates, rejected } = unwrap({
      records: [{ eventId: 'e1', vehicleId: 'v1', frames: [good, badChecksum, 'zz'] }],
    });
    expect((candidates[0]?.record as { points: unknown[] } | undefined)?.points).toHaveLength(1);
    expect(rejected).toEqual([
      {
        index: 0,
        record: expect.any(Object),
        errors: [
          { path: 'frames[1]', message: expect.stringContaining('checksum mismatch') },
          { path: 'frames[2]', message: expect.any(String) },
        ],
      },
    ]);
  });

  it('lists the first bad frames of 10,000 and one last entry for the rest, and keeps the good frame', () => {
    const frames = Array.from({ length: 10_000 }, (_, index) =>
      index === 9_999 ? frame('2026-03-02T09:00:00+08:00') : 'zz',
    );
    const { candidates, rejected } = unwrap({ records: [{ eventId: 'e1', vehicleId: 'v1', frames }] });
    expect((candidates[0]?.record as { points: unknown[] } | undefined)?.points).toHaveLength(1);
    expect(rejected[0]?.errors).toEqual([
      ...Array.from({ length: MAX_LISTED_ERRORS }, (_, index) => ({
        path: `frames[${index}]`,
        message: 'frame is not an even number of hex digits',
      })),
      moreErrorsNotListed,
    ]);
  });

  it('rejects a record without frames or without a vehicle', () => {
    const { candidates, rejected } = unwrap({ records: [{ eventId: 'e1', frames: [] }] });
    expect(candidates).toEqual([]);
    expect(rejected[0]?.errors.map((error) => error.path)).toEqual(['vehicleId', 'frames']);
  });

  it('refuses a body without records', () => {
    expect(() => unwrap({ frames: [] })).toThrow(InvalidInputError);
  });

  describe('batch uploads and sub-packaged messages', () => {
    // 31.230416 N 121.473701 E, 12.0 km/h, 2026-03-02 09:00:20 GMT+8, IO status bit 2 set.
    const working = body({
      lat: 31_230_416,
      lon: 121_473_701,
      speed: 120,
      time: '260302090020',
      items: [item(0x2a, word(0x0004))],
    });
    // 31.230500 N 121.473800 E, 0.5 km/h, 2026-03-02 08:59:50 GMT+8, no additional items.
    const idle = body({ lat: 31_230_500, lon: 121_473_800, speed: 5, time: '260302085950' });
    const blindArea = packaged(batchBody(1, [working, idle, idle]), [40, 40, 17], {
      id: 0x0704,
      serial: 300,
    });

    it('turns batch items and reassembled packages into points, without the protocol fields', () => {
      const { candidates, rejected } = unwrap({
        records: [
          {
            eventId: 'e1',
            vehicleId: 'v1',
            frames: [
              blindArea[2],
              frame('2026-03-02T09:00:00+08:00', true),
              blindArea[0],
              messageFrame(batchBody(0, [idle]), { id: 0x0704, serial: 8 }),
              blindArea[1],
            ],
          },
        ],
      });
      expect(rejected).toEqual([]);
      const working1 = { t: '2026-03-02T09:00:20+08:00', lat: 31.230416, lon: 121.473701, speedKmh: 12 };
      const idle1 = { t: '2026-03-02T08:59:50+08:00', lat: 31.2305, lon: 121.4738, speedKmh: 0.5 };
      expect(candidates).toEqual([
        {
          index: 0,
          record: {
            eventId: 'e1',
            vehicleId: 'v1',
            points: [
              { ...working1, working: true },
              idle1,
              idle1,
              { t: '2026-03-02T09:00:00+08:00', lat: 39.9, lon: 116.4, speedKmh: 6.5, working: true },
              idle1,
            ],
          },
          original: expect.any(Object),
        },
      ]);
    });

    it('quarantines a record with a message missing packages, naming them, and keeps its other points', () => {
      const record = {
        eventId: 'e1',
        vehicleId: 'v1',
        frames: [frame('2026-03-02T09:00:00+08:00'), blindArea[1], blindArea[2]],
      };
      const { candidates, rejected } = unwrap({ records: [record] });
      expect((candidates[0]?.record as { points: unknown[] } | undefined)?.points).toHaveLength(1);
      expect(rejected).toEqual([
        {
          index: 0,
          record,
          errors: [
            {
              path: 'frames[1]',
              message:
                'sub-packaged message 0x0704 of terminal 13800138000, first serial number 300: missing package 1 of 3 (received 2)',
            },
          ],
        },
      ]);
    });

    it('rejects a record whose only message misses a package, and lists a bad batch item at its frame', () => {
      const { candidates, rejected } = unwrap({
        records: [
          { eventId: 'e1', vehicleId: 'v1', frames: [blindArea[0], blindArea[2]] },
          {
            eventId: 'e2',
            vehicleId: 'v1',
            frames: [messageFrame(batchBody(0, [idle, body({ status: 0 })]), { id: 0x0704 })],
          },
        ],
      });
      expect(candidates.map((candidate) => candidate.index)).toEqual([1]);
      expect(rejected.map(({ index, errors }) => ({ index, errors }))).toEqual([
        {
          index: 0,
          errors: [
            {
              path: 'frames[0]',
              message:
                'sub-packaged message 0x0704 of terminal 13800138000, first serial number 300: missing package 2 of 3 (received 2)',
            },
          ],
        },
        { index: 1, errors: [{ path: 'frames[0]', message: 'item 2 of 2: not positioned' }] },
      ]);
    });
  });
});
