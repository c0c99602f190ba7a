import { describe, expect, it } from 'vitest';
import { healthChange, rotateSecrets, signingSecrets } from '#shared/domain/webhooks/subscription';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t0 = Date.parse('2026-03-01T00:00:00.000Z');

describe('rotateSecrets', () => {
  it('makes the new secret current and keeps the replaced one for the overlap', () => {
    expect(rotateSecrets({ current: 'a' }, 'b', t0, 24 * HOUR)).toEqual({
      current: 'b',
      previous: 'a',
      previousUntil: '2026-03-02T00:00:00.000Z',
    });
  });

  it('keeps only the newest replaced secret when rotating again within the window', () => {
    const once = rotateSecrets({ current: 'a' }, 'b', t0, 24 * HOUR);
    expect(rotateSecrets(once, 'c', t0 + 2 * HOUR, 24 * HOUR)).toEqual({
      current: 'c',
      previous: 'b',
      previousUntil: '2026-03-02T02:00:00.000Z',
    });
  });
});

describe('signingSecrets', () => {
  const rotated = { current: 'new', previous: 'old', previousUntil: '2026-03-02T00:00:00.000Z' };
  it.each([
    ['without a rotation', { current: 'new' }, t0, ['new']],
    ['within the overlap', rotated, t0 + 23 * HOUR, ['new', 'old']],
    ['a millisecond before it ends', rotated, t0 + DAY - 1, ['new', 'old']],
    ['when it ends', rotated, t0 + DAY, ['new']],
    ['after it ended', rotated, t0 + 30 * HOUR, ['new']],
  ])('signs %s with %j', (_, secrets, now, expected) => {
    expect(signingSecrets(secrets, now)).toEqual(expected);
  });
});

describe('healthChange', () => {
  const since = '2026-03-01T00:00:00.000Z';
  it.each([
    ['a delivery of a healthy subscription writes nothing', undefined, true, t0, { kind: 'unchanged' }],
    ['a delivery after failures clears them', since, true, t0 + 4 * DAY, { kind: 'recovered' }],
    [
      'the first failure starts the run at its time',
      undefined,
      false,
      t0 + HOUR,
      { kind: 'failing', since: '2026-03-01T01:00:00.000Z' },
    ],
    [
      'a failure within 5 days of the first writes nothing',
      since,
      false,
      t0 + 5 * DAY - 1,
      { kind: 'unchanged' },
    ],
  ] as const)('%s', (_, failingSince, delivered, at, expected) => {
    expect(healthChange(failingSince, delivered, at, 5 * DAY)).toEqual(expected);
  });

  it('disables on a failure 5 days or more after the first, saying since when', () => {
    expect(healthChange(since, false, t0 + 5 * DAY, 5 * DAY)).toEqual({
      kind: 'disable',
      reason:
        'every delivery attempt failed from 2026-03-01T00:00:00.000Z to 2026-03-06T00:00:00.000Z (5 days; the limit is 5): fix the endpoint, then PATCH {"status": "active"}',
    });
    expect(healthChange(since, false, t0 + 6.5 * DAY, 5 * DAY)).toMatchObject({
      kind: 'disable',
      reason: expect.stringContaining('(6.5 days; the limit is 5)'),
    });
  });
});
