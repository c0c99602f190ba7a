import type { Unwrapped } from '#shared/domain/batch';
import { InvalidInputError } from '#shared/domain/errors';
import { describeIssues, toRecordErrors } from '#shared/schemas/messages';
import { open311BodySchema, open311RequestSchema, open311ToTicketEvents } from '#shared/schemas/open311';

/**
 * Reads `{"requests": [...]}` (or a bare array) of Open311 GeoReport v2 service requests into hotline ticket events;
 * a request that is not valid GeoReport is rejected with its index, like a bad record.
 */
export const unwrapOpen311 = (body: unknown): Unwrapped => {
  const envelope = open311BodySchema.safeParse(body);
  if (!envelope.success) {
    throw new InvalidInputError(
      `body must be {"requests": [...]} or [...] with 1 to 1000 service requests (${describeIssues(envelope.error)})`,
    );
  }
  const result: Unwrapped = { candidates: [], rejected: [] };
  envelope.data.requests.forEach((item, index) => {
    const parsed = open311RequestSchema.safeParse(item);
    if (!parsed.success) {
      result.rejected.push({ index, record: item, errors: toRecordErrors(parsed.error) });
      return;
    }
    for (const record of open311ToTicketEvents(parsed.data))
      result.candidates.push({ index, record, original: item });
  });
  return result;
};

/** An integer written with leading zeros (`006`), which JSON does not allow, at `lastIndex`. */
const LEADING_ZERO_INTEGER = /-?0\d+(?![\d.eE])/y;

/**
 * Reads a GeoReport v2 JSON body as servers write it. The specification's own example of
 * `GET /requests.json` writes `"service_code":006`, which JSON does not allow: outside strings, an
 * integer with leading zeros is read as the string it spells (`"006"`), so a code keeps its zeros.
 * Anything else that is not JSON fails as `JSON.parse` fails.
 */
export const parseOpen311Json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    let quoted = '';
    let inString = false;
    for (let index = 0; index < text.length; index += 1) {
      const char = text[index] as string;
      if (inString) {
        if (char === '\\') {
          quoted += text.slice(index, index + 2);
          index += 1;
          continue;
        }
        if (char === '"') inString = false;
        quoted += char;
        continue;
      }
      if (char === '"') inString = true;
      else if (char === '-' || char === '0') {
        LEADING_ZERO_INTEGER.lastIndex = index;
        const match = LEADING_ZERO_INTEGER.exec(text);
        if (match && !/[\w.]/.test(text[index - 1] ?? '')) {
          quoted += `"${match[0]}"`;
          index += match[0].length - 1;
          continue;
        }
      }
      quoted += char;
    }
    if (quoted === text) throw error;
    return JSON.parse(quoted);
  }
};
