import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** `GET /health`: open liveness answer. */
export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ status: 'ok' }),
});
