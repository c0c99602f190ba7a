/**
 * The size of a DynamoDB item as DynamoDB bills it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html): the
 * benchmarks' capacity meter prices calls by it, and stores decide by it what fits one write unit.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { MARSHALL_OPTIONS } from '#shared/adapters/dynamo';

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Bytes DynamoDB counts for a number: 1 byte per two significant digits, plus 1. */
export const numberBytes = (text: string): number => {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
};

const binaryBytes = (value: Uint8Array | string) =>
  typeof value === 'string' ? Buffer.from(value, 'base64').length : value.byteLength;

/**
 * Size of an attribute value as DynamoDB counts it (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * strings and binaries by their bytes, numbers as above, booleans and null 1 byte, lists and maps 3 bytes
 * plus 1 byte per element plus their elements (a map element also its name), sets the sum of their elements.
 */
export const attributeValueBytes = (value: AttributeValue): number => {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return binaryBytes(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, item) => sum + utf8(item), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, item) => sum + numberBytes(item), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, item) => sum + binaryBytes(item), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, item) => sum + 1 + attributeValueBytes(item), 0);
  if (value.M !== undefined)
    return (
      3 +
      Object.entries(value.M).reduce(
        (sum, [name, item]) => sum + 1 + utf8(name) + attributeValueBytes(item),
        0,
      )
    );
  throw new Error(`unknown DynamoDB attribute value ${JSON.stringify(value)}`);
};

/** Size of an item as DynamoDB counts it: its attribute names and values. */
export const itemBytes = (item: Record<string, AttributeValue>): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + attributeValueBytes(value), 0);

/** An item of plain JavaScript values in DynamoDB's form, as the project's document client marshals it. */
export const marshallPlain = (item: Record<string, unknown>): Record<string, AttributeValue> =>
  marshall(item, { ...MARSHALL_OPTIONS });

/** Size of an item as the document client hands it over (plain JavaScript values). */
export const plainItemBytes = (item: Record<string, unknown>): number => itemBytes(marshallPlain(item));
