import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '#shared/domain/errors';
import { defaultWorkingFlag, encodeLocationFrame } from '#shared/domain/jt808';
import { unwrapJt808 } from '#shared/domain/jt808-ingest';
import { MAX_LISTED_ERRORS, moreErrorsNotListed } from '#shared/schemas/messages';

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
});
