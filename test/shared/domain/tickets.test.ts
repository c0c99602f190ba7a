import { describe, expect, it } from 'vitest';
import { deriveTicket } from '#shared/domain/tickets';
import type { HotlineRecord } from '#shared/schemas/ingest';

const zone = 'Asia/Shanghai';
const event = (
  type: HotlineRecord['type'],
  occurredAt: string,
  extra: Partial<HotlineRecord> = {},
): HotlineRecord => ({
  eventId: `${type}@${occurredAt}`,
  ticketId: 't1',
  type,
  occurredAt,
  category: 'noise',
  ...extra,
});
const ms = (instant: string) => Date.parse(instant);

/** Every order of a small list. */
const permutations = <T>(items: T[]): T[][] =>
  items.length <= 1
    ? [items]
    : items.flatMap((item, index) =>
        permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
      );

describe('deriveTicket', () => {
  it('takes the later close of a ticket closed, reopened and closed again', () => {
    const state = deriveTicket(
      't1',
      [
        event('received', '2026-03-02T09:00:00+08:00'),
        event('closed', '2026-03-02T12:00:00+08:00'),
        event('reopened', '2026-03-02T13:00:00+08:00'),
        event('closed', '2026-03-02T20:00:00+08:00'),
      ],
      zone,
    );
    expect(state.closed).toBe(true);
    expect(state.closedAt).toBe(ms('2026-03-02T20:00:00+08:00'));
  });

  it('is open when the latest of its closed and reopened events is a reopening', () => {
    const state = deriveTicket(
      't1',
      [
        event('received', '2026-03-02T09:00:00+08:00'),
        event('closed', '2026-03-02T12:00:00+08:00'),
        event('reopened', '2026-03-02T13:00:00+08:00'),
        event('replied', '2026-03-02T14:00:00+08:00'),
      ],
      zone,
    );
    expect(state).toMatchObject({ closed: false, closedAt: undefined });
  });

  it('gives the same state for every arrival order, callbacks included', () => {
    const events = [
      event('received', '2026-03-02T09:00:00+08:00', { street: 'jingshan', severity: 'major' }),
      event('closed', '2026-03-02T12:00:00+08:00'),
      event('callback', '2026-03-02T18:00:00+08:00', { satisfaction: 'dissatisfied' }),
      event('callback', '2026-03-03T09:00:00+08:00', { satisfaction: 'satisfied' }),
    ];
    const states = permutations(events).map((order) => deriveTicket('t1', order, zone));
    expect(states).toHaveLength(24);
    for (const state of states) expect(state).toEqual(states[0]);
    expect(states[0]?.satisfaction).toBe('satisfied');
  });

  it('compares times as instants whatever their offsets', () => {
    const state = deriveTicket(
      't1',
      [
        event('received', '2026-03-02T09:00:00+08:00'),
        // 04:30Z is 12:30 in Shanghai: after the reopening at 12:00 +08:00.
        event('closed', '2026-03-02T04:30:00Z'),
        event('reopened', '2026-03-02T12:00:00+08:00'),
      ],
      zone,
    );
    expect(state.closed).toBe(true);
  });

  it('has no area when no event carries a street, district or location', () => {
    const state = deriveTicket('t1', [event('received', '2026-03-02T09:00:00+08:00')], zone);
    expect(state.placement).toEqual({});
  });

  it('takes its area from the earliest event that carries one', () => {
    const state = deriveTicket(
      't1',
      [
        event('received', '2026-03-02T09:00:00+08:00'),
        event('dispatched', '2026-03-02T10:00:00+08:00', { district: 'dongcheng' }),
        event('replied', '2026-03-02T11:00:00+08:00', { district: 'xicheng', street: 'jinrongjie' }),
      ],
      zone,
    );
    expect(state.placement).toEqual({ district: 'dongcheng', street: undefined, location: undefined });
  });

  it.each([
    ['minor', '2026-03-03T09:00:00+08:00'],
    ['major', '2026-03-04T09:00:00+08:00'],
    ['difficult', '2026-03-05T09:00:00+08:00'],
  ] as const)('gives a %s ticket without deadlineAt a deadline of %s', (severity, deadline) => {
    const state = deriveTicket('t1', [event('received', '2026-03-02T09:00:00+08:00', { severity })], zone);
    expect(state.deadline).toBe(ms(deadline));
  });

  it('defaults to minor (1 calendar day) without a severity', () => {
    const state = deriveTicket('t1', [event('received', '2026-03-02T23:30:00+08:00')], zone);
    expect(state.deadline).toBe(ms('2026-03-03T23:30:00+08:00'));
  });

  it('uses deadlineAt of the latest event that carries one', () => {
    const state = deriveTicket(
      't1',
      [
        event('received', '2026-03-02T09:00:00+08:00', {
          severity: 'difficult',
          deadlineAt: '2026-03-02T17:00:00+08:00',
        }),
        event('dispatched', '2026-03-02T10:00:00+08:00', { deadlineAt: '2026-03-04T17:00:00+08:00' }),
        event('replied', '2026-03-02T11:00:00+08:00'),
      ],
      zone,
    );
    expect(state.deadline).toBe(ms('2026-03-04T17:00:00+08:00'));
  });

  it('belongs to the local day of its receipt: 01:00 +08:00 is the previous day in UTC', () => {
    const state = deriveTicket('t1', [event('received', '2026-03-01T01:00:00+08:00')], zone);
    expect(state.cohortDay).toBe('2026-03-01');
    expect(new Date(state.receivedAt ?? 0).toISOString().slice(0, 10)).toBe('2026-02-28');
  });

  it('takes the earliest received event when a ticket is received twice', () => {
    const state = deriveTicket(
      't1',
      [event('received', '2026-03-02T00:30:00+08:00'), event('received', '2026-03-01T23:50:00+08:00')],
      zone,
    );
    expect(state.cohortDay).toBe('2026-03-01');
  });

  it('has no cohort until a received event is known', () => {
    const state = deriveTicket('t1', [event('closed', '2026-03-02T12:00:00+08:00')], zone);
    expect(state).toMatchObject({
      cohortDay: undefined,
      receivedAt: undefined,
      deadline: undefined,
      closed: true,
    });
  });

  it('takes the latest callback even when it carries no satisfaction (CONTRACT §5)', () => {
    const state = deriveTicket(
      't1',
      [
        event('received', '2026-03-02T09:00:00+08:00'),
        event('callback', '2026-03-02T10:00:00+08:00', { satisfaction: 'satisfied' }),
        event('callback', '2026-03-02T11:00:00+08:00'),
      ],
      zone,
    );
    expect(state).toMatchObject({ calledBack: true, satisfaction: undefined });
  });

  it('has no callback until one arrives', () => {
    expect(deriveTicket('t1', [event('received', '2026-03-02T09:00:00+08:00')], zone).calledBack).toBe(false);
  });
});
