import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { adminRoutes } from '#functions/admin/routes';
import type { AdminDeps } from '#shared/app/admin';
import { supervisionThresholdsOf } from '#shared/domain/supervision';
import { type HttpEvent, type HttpResult, httpErrors } from '#shared/http/api';
import { routeByKey } from '#shared/http/router';
import type { SupervisionInput } from '#shared/schemas/reference';
import { RecordingPublisher } from '../support/recording-publisher.ts';

const logger = new Logger({ serviceName: 'cityhub-test', logLevel: 'SILENT' });

/** The admin routes behind the error middleware, over a reference store that records what it is given. */
const adminApi = () => {
  const written: [string, unknown][] = [];
  const publisher = new RecordingPublisher();
  const deps = {
    reference: { put: async (name: string, value: unknown) => void written.push([name, value]) },
    days: { listDays: async () => ['2026-03-01'] },
    gps: { listVehicleDays: async () => [] },
    publisher,
    now: () => 1_000,
  } as unknown as AdminDeps;
  const handler = middy(routeByKey(adminRoutes(deps, logger))).use(httpErrors(logger));
  const put = async (path: string, body: unknown): Promise<{ status: number; body: unknown }> => {
    const event = {
      routeKey: `PUT ${path}`,
      rawPath: path,
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: { http: { method: 'PUT', path } },
    } as unknown as HttpEvent;
    const answer = (await handler(event, {} as Context)) as HttpResult;
    return { status: answer.statusCode ?? 0, body: JSON.parse(String(answer.body)) };
  };
  return { put, written, publisher };
};

const rule = {
  id: 'cases-on-time',
  indicator: 'caseOnTimeClosureRate',
  areas: 'district',
  below: 0.9,
  at: '17:00',
};

describe('PUT /reference/alerts', () => {
  it('stores the rules and silence minutes and answers their counts, recomputing nothing', async () => {
    const api = adminApi();
    const body = {
      rules: [
        rule,
        { id: 'slow-tickets', indicator: 'avgTicketClosureHours', areas: 'city', above: 48, at: '09:30' },
        {
          id: 'two-districts',
          indicator: 'roadCleaningRate',
          areas: ['district:dongcheng', 'street:jingshan'],
          below: 0.8,
          at: '23:59',
        },
      ],
      feeds: { hotline: 60, 'city-platform': 120, sanitation: 15 },
    };
    expect(await api.put('/reference/alerts', body)).toEqual({ status: 200, body: { rules: 3, feeds: 3 } });
    expect(api.written).toEqual([['alerts', body]]);
    expect(api.publisher.published).toEqual([]);
  });

  it('takes an empty set: no rules, every feed at the default silence', async () => {
    const api = adminApi();
    expect(await api.put('/reference/alerts', {})).toEqual({ status: 200, body: { rules: 0, feeds: 0 } });
    expect(api.written).toEqual([['alerts', { rules: [], feeds: {} }]]);
  });

  it.each([
    [
      'an unknown indicator, naming the one meant',
      { rules: [{ ...rule, indicator: 'caseOnTimeClosureRat' }] },
      'rules[0].indicator: unknown indicator "caseOnTimeClosureRat"; did you mean "caseOnTimeClosureRate"?',
    ],
    [
      'both thresholds',
      { rules: [{ ...rule, above: 0.95 }] },
      'rules[0]: give exactly one of below and above',
    ],
    [
      'no threshold',
      { rules: [{ id: 'x', indicator: 'casesFiled', areas: 'city', at: '17:00' }] },
      'rules[0]: give exactly one of below and above',
    ],
    [
      'a time that is no HH:MM',
      { rules: [{ ...rule, at: '24:00' }] },
      'rules[0].at: must be a time of day HH:MM',
    ],
    [
      'a time without its leading zero',
      { rules: [{ ...rule, at: '9:00' }] },
      'rules[0].at: must be a time of day HH:MM',
    ],
    ['a threshold that is not a number', { rules: [{ ...rule, below: '0.9' }] }, 'rules[0].below:'],
    [
      'ids listed twice',
      { rules: [rule, { ...rule, areas: 'city' }] },
      'rules[1].id: rule cases-on-time is listed twice',
    ],
    [
      'an unknown level',
      { rules: [{ ...rule, areas: 'districts' }] },
      'rules[0].areas: must be "district", "street", "city"',
    ],
    [
      'a bad area key',
      { rules: [{ ...rule, areas: ['dongcheng'] }] },
      'rules[0].areas[0]: must be city, district:<code> or street:<code>',
    ],
    [
      'a misspelt field',
      { rules: [{ ...rule, bellow: 0.8 }] },
      'rules[0]: unknown field "bellow"; did you mean "below"?',
    ],
    [
      'an unknown source',
      { feeds: { hotlin: 30 } },
      'feeds: unknown source "hotlin"; did you mean "hotline"?',
    ],
    [
      'a source named after a prototype',
      { feeds: JSON.parse('{"__proto__":30}') },
      'feeds: unknown source "__proto__"',
    ],
    [
      'silence minutes out of range',
      { feeds: { sanitation: 0 } },
      'feeds.sanitation: must be 1 to 10080 minutes',
    ],
  ])('refuses %s with a 400 that names it', async (_name, body, message) => {
    const api = adminApi();
    const answer = await api.put('/reference/alerts', body);
    expect(answer.status).toBe(400);
    expect((answer.body as { error: string }).error).toContain(`invalid alerts: ${message}`);
    expect(api.written).toEqual([]);
  });
});

describe('PUT /reference/supervision', () => {
  it('stores the thresholds, which become the SupervisionThresholds of the open items', async () => {
    const api = adminApi();
    const body = { yellowAt: 0.8, categories: { 'city.roads': 0.5, noise: 0.6 } };
    expect(await api.put('/reference/supervision', body)).toEqual({
      status: 200,
      body: { yellowAt: 0.8, categories: 2 },
    });
    expect(api.written).toEqual([['supervision', body]]);
    expect(supervisionThresholdsOf(api.written[0]?.[1] as SupervisionInput)).toEqual({
      yellowAt: 0.8,
      byCategory: { 'city.roads': 0.5, noise: 0.6 },
    });
  });

  it('fills in the default share of 75 %', async () => {
    const api = adminApi();
    expect(await api.put('/reference/supervision', { categories: { noise: 0.5 } })).toEqual({
      status: 200,
      body: { yellowAt: 0.75, categories: 1 },
    });
    expect(supervisionThresholdsOf(undefined)).toEqual({ yellowAt: 0.75, byCategory: {} });
  });

  it.each([
    ['a share of 1', { yellowAt: 1 }, 'yellowAt: must be a share of the time limit above 0 and below 1'],
    ['a share of 0 for a category', { categories: { noise: 0 } }, 'categories.noise: must be a share'],
    ['a share given as a percentage', { yellowAt: 75 }, 'yellowAt: must be a share'],
    ['an empty category', { categories: { ' ': 0.5 } }, 'categories'],
    ['a misspelt field', { yelowAt: 0.5 }, 'unknown field "yelowAt"; did you mean "yellowAt"?'],
  ])('refuses %s with a 400 that names it', async (_name, body, message) => {
    const api = adminApi();
    const answer = await api.put('/reference/supervision', body);
    expect(answer.status).toBe(400);
    expect((answer.body as { error: string }).error).toContain(message);
    expect(api.written).toEqual([]);
  });

  it('refuses a body that is not JSON', async () => {
    const answer = await adminApi().put('/reference/supervision', '{"yellowAt":');
    expect(answer.status).toBe(400);
    expect((answer.body as { error: string }).error).toContain('body is not valid JSON');
  });
});
