import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { freePort } from '#infra/local/servers';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the DynamoDB Local shared by the integration tests. */
    dynamoDbEndpoint: string;
  }
}

let dynamo: DynamoDbLocal | undefined;

/** Starts one in-memory DynamoDB Local for the whole run; each test file makes its own tables. */
export const setup = async (project: TestProject): Promise<void> => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const port = await freePort();
  dynamo = await startDynamoDbLocal(port);
  project.provide('dynamoDbEndpoint', dynamo.endpoint);
};

export const teardown = async (): Promise<void> => {
  await dynamo?.stop();
};
