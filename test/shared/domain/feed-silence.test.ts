import { describe, expect, it } from 'vitest';
import { feedTransitions, type SilenceEpisode, silentSources } from '#shared/domain/feed-silence';
import type { Source } from '#shared/schemas/ingest';

const minutes: Record<Source, number> = { hotline: 60, 'city-platform': 120, sanitation: 15 };
const silenceMinutes = (source: Source) => minutes[source];
const at = (instant: string) => Date.parse(instant);

describe('silentSources', () => {
  const lastAccepted = new Map<Source, string>([
    ['hotline', '2026-03-02T01:00:00.000Z'],
    ['sanitation', '2026-03-02T01:50:00.000Z'],
  ]);

  it.each([
    // Hotline silent from 02:00 (60 min), sanitation from 02:05 (15 min); city-platform never sent.
    ['2026-03-02T01:59:59.999Z', []],
    ['2026-03-02T02:00:00.000Z', ['hotline']],
    ['2026-03-02T02:05:00.000Z', ['hotline', 'sanitation']],
    ['2026-03-09T00:00:00.000Z', ['hotline', 'sanitation']],
  ])('at %s: %j', (now, silent) => {
    expect(silentSources(lastAccepted, silenceMinutes, at(now))).toEqual(silent);
  });
});

describe('feedTransitions', () => {
  const quiet = new Map<Source, string>([['sanitation', '2026-03-02T01:00:00.000Z']]);
  const episode: SilenceEpisode = {
    lastAcceptedAt: '2026-03-02T01:00:00.000Z',
    silentSince: '2026-03-02T01:15:00.000Z',
    silenceMinutes: 15,
  };
  const check = (
    lastAccepted: ReadonlyMap<Source, string>,
    episodes: ReadonlyMap<Source, SilenceEpisode>,
    now: string,
    perSource = silenceMinutes,
  ) => feedTransitions({ lastAccepted, silenceMinutes: perSource, episodes, now: at(now) });

  it('announces nothing while a source is fresh', () => {
    expect(check(quiet, new Map(), '2026-03-02T01:14:59.999Z')).toEqual({
      silent: [],
      resumed: [],
      episodes: new Map(),
    });
  });

  it('starts a silence once its minutes have passed, and remembers it', () => {
    expect(check(quiet, new Map(), '2026-03-02T01:15:00.000Z')).toEqual({
      silent: [{ source: 'sanitation', ...episode }],
      resumed: [],
      episodes: new Map([['sanitation', episode]]),
    });
  });

  it('announces a remembered silence no second time, even when its minutes were raised since', () => {
    const remembered = new Map([['sanitation' as Source, episode]]);
    const later = check(quiet, remembered, '2026-03-02T01:16:00.000Z');
    expect(later).toEqual({ silent: [], resumed: [], episodes: remembered });
    expect(check(quiet, remembered, '2026-03-02T01:16:00.000Z', () => 600)).toEqual(later);
  });

  it('ends a silence once, when a later record came', () => {
    const fresh = new Map<Source, string>([['sanitation', '2026-03-02T03:10:00.000Z']]);
    expect(check(fresh, new Map([['sanitation', episode]]), '2026-03-02T03:11:00.000Z')).toEqual({
      silent: [],
      resumed: [
        {
          source: 'sanitation',
          lastAcceptedAt: '2026-03-02T03:10:00.000Z',
          silentSince: '2026-03-02T01:15:00.000Z',
          previousAcceptedAt: '2026-03-02T01:00:00.000Z',
          resumedAt: '2026-03-02T03:11:00.000Z',
          silenceMinutes: 15,
        },
      ],
      episodes: new Map(),
    });
  });

  it('ends a silence and starts the next one when the record that ended it has gone quiet too', () => {
    // A record at 03:10, then nothing: silent again from 03:25, and no check saw it fresh.
    const again = new Map<Source, string>([['sanitation', '2026-03-02T03:10:00.000Z']]);
    const next: SilenceEpisode = {
      lastAcceptedAt: '2026-03-02T03:10:00.000Z',
      silentSince: '2026-03-02T03:25:00.000Z',
      silenceMinutes: 15,
    };
    const found = check(again, new Map([['sanitation', episode]]), '2026-03-02T04:00:00.000Z');
    expect(found.resumed.map(({ lastAcceptedAt }) => lastAcceptedAt)).toEqual(['2026-03-02T03:10:00.000Z']);
    expect(found.silent).toEqual([{ source: 'sanitation', ...next }]);
    expect(found.episodes).toEqual(new Map([['sanitation', next]]));
  });

  it('watches each source on its own minutes and leaves sources that never sent alone', () => {
    const lastAccepted = new Map<Source, string>([
      ['hotline', '2026-03-02T01:00:00.000Z'],
      ['sanitation', '2026-03-02T01:00:00.000Z'],
    ]);
    const found = check(lastAccepted, new Map(), '2026-03-02T01:30:00.000Z');
    expect(found.silent.map(({ source }) => source)).toEqual(['sanitation']);
    expect(check(lastAccepted, new Map(), '2026-03-02T02:00:00.000Z').silent).toEqual([
      {
        source: 'hotline',
        lastAcceptedAt: '2026-03-02T01:00:00.000Z',
        silentSince: '2026-03-02T02:00:00.000Z',
        silenceMinutes: 60,
      },
      {
        source: 'sanitation',
        lastAcceptedAt: '2026-03-02T01:00:00.000Z',
        silentSince: '2026-03-02T01:15:00.000Z',
        silenceMinutes: 15,
      },
    ]);
  });
});
