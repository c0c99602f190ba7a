import { describe, expect, it } from 'vitest';
import type { HttpEvent } from '#shared/http/api';
import { NotFoundError, UnauthorizedError } from '#shared/http/errors';
import { ingestRoutes, readSignedBatch } from '#shared/http/ingest-request';
import { signHeaders } from '#shared/http/signature';
import type { Source } from '#shared/schemas/ingest';

const secretOf = (text: string) => `whsec_${Buffer.from(text.padEnd(32, '-')).toString('base64')}`;
const current: Record<Source, string> = {
  hotline: secretOf('hotline-new'),
  'city-platform': secretOf('city-platform'),
  sanitation: secretOf('sanitation'),
};
const retiring = secretOf('hotline-old');
/** The hotline is mid-rotation (new, then old); the other sources have one secret each. */
const secretsOf = async (source: Source): Promise<readonly string[]> =>
  source === 'hotline' ? [current.hotline, retiring] : [current[source]];
const routes = ingestRoutes('0x2A:2');
const body = '{"records":[]}';

const request = (routeKey: string, secret: string): HttpEvent =>
  ({
    version: '2.0',
    routeKey,
    rawPath: routeKey.split(' ')[1] ?? '/',
    rawQueryString: '',
    headers: signHeaders(secret, 'msg_route', body),
    body,
    isBase64Encoded: false,
  }) as unknown as HttpEvent;

describe('readSignedBatch', () => {
  it.each([
    ['POST /ingest/hotline', 'hotline'],
    ['POST /ingest/city-platform', 'city-platform'],
    ['POST /ingest/sanitation', 'sanitation'],
    ['POST /ingest/hotline/open311', 'hotline'],
    ['POST /ingest/sanitation/jt808', 'sanitation'],
  ] as const)('reads %s as a batch of %s, signed with its secret', async (routeKey, source) => {
    const batch = await readSignedBatch(request(routeKey, current[source]), routes, secretsOf);
    expect(batch).toMatchObject({ source, webhookId: 'msg_route', body: { records: [] } });
    expect('unwrap' in batch).toBe(routeKey.split('/').length > 3);
  });

  it("refuses a batch signed with another source's secret (401)", async () => {
    await expect(
      readSignedBatch(request('POST /ingest/city-platform', current.sanitation), routes, secretsOf),
    ).rejects.toThrow(UnauthorizedError);
  });

  it('accepts the retiring secret of a source being rotated, and only on its routes', async () => {
    expect(
      (await readSignedBatch(request('POST /ingest/hotline/open311', retiring), routes, secretsOf)).source,
    ).toBe('hotline');
    await expect(
      readSignedBatch(request('POST /ingest/sanitation', retiring), routes, secretsOf),
    ).rejects.toThrow(UnauthorizedError);
  });

  it('answers 404 for a route that is not an ingest route', async () => {
    await expect(
      readSignedBatch(request('POST /ingest/{source}', current.hotline), routes, secretsOf),
    ).rejects.toThrow(NotFoundError);
  });
});
