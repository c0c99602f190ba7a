import type { AreaRegistry } from '#shared/domain/areas';
import type { Source } from '#shared/schemas/ingest';

/** Records of one source carrying area codes the registry does not know: count per code. */
export type UnknownCodes = Partial<Record<Source, Record<string, number>>>;

const addCount = (counts: UnknownCodes, source: Source, code: string, count: number): void => {
  const perSource = counts[source] ?? {};
  perSource[code] = (perSource[code] ?? 0) + count;
  counts[source] = perSource;
};

/**
 * Counts, per source, the records that name a district or street the registry does not know
 * (codes are kept as `district:<code>` and `street:<code>`). Pure.
 */
export const unknownCodes = (
  records: Iterable<{
    source: Source;
    district?: string | undefined;
    street?: string | undefined;
    /** How many records carry these codes (default 1). */
    count?: number | undefined;
  }>,
  registry: AreaRegistry,
): UnknownCodes => {
  const counts: UnknownCodes = {};
  for (const record of records) {
    if (record.district && !registry.districts.has(record.district)) {
      addCount(counts, record.source, `district:${record.district}`, record.count ?? 1);
    }
    if (record.street && !registry.streetParents.has(record.street)) {
      addCount(counts, record.source, `street:${record.street}`, record.count ?? 1);
    }
  }
  return counts;
};

/** Adds up several days' counts. */
export const sumUnknownCodes = (days: Iterable<UnknownCodes>): UnknownCodes => {
  const total: UnknownCodes = {};
  for (const day of days) {
    for (const [source, codes] of Object.entries(day) as [Source, Record<string, number>][]) {
      for (const [code, count] of Object.entries(codes)) addCount(total, source, code, count);
    }
  }
  return total;
};

/** The `GET /admin/quality` answer: unknown codes with their record counts, per code and per source. */
export const qualityReport = (from: string, to: string, days: Iterable<UnknownCodes>) => {
  const total = sumUnknownCodes(days);
  const perCode = new Map<
    string,
    { code: string; records: number; bySource: Partial<Record<Source, number>> }
  >();
  const bySource: Partial<Record<Source, { records: number; codes: number }>> = {};
  for (const [source, codes] of Object.entries(total) as [Source, Record<string, number>][]) {
    bySource[source] = { records: 0, codes: Object.keys(codes).length };
    for (const [code, count] of Object.entries(codes)) {
      const entry = perCode.get(code) ?? { code, records: 0, bySource: {} };
      entry.records += count;
      entry.bySource[source] = count;
      perCode.set(code, entry);
      (bySource[source] as { records: number }).records += count;
    }
  }
  const unknown = [...perCode.values()].sort((a, b) => b.records - a.records || (a.code < b.code ? -1 : 1));
  return { from, to, unknownCodes: unknown, bySource };
};
