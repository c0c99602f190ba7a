import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionDecl } from '#shared/topology';

/** A Lambda context for one local invocation of a declared function. */
export const lambdaContext = (name: string, decl: FunctionDecl): Context => {
  const deadline = Date.now() + decl.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `cityhub-local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:cityhub-local-${name}`,
    memoryLimitInMB: String(decl.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/cityhub-local-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};
