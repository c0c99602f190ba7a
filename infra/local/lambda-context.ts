import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { machineNow } from '#infra/local/servers';
import type { FunctionDecl } from '#shared/topology';

/** A Lambda context for one local invocation of a declared function (`stage` names it, e.g. `local`, `bench`). */
export const lambdaContext = (
  name: string,
  decl: Pick<FunctionDecl, 'memoryMb' | 'timeoutSeconds'>,
  stage = 'local',
): Context => {
  const deadline = machineNow() + decl.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `cityhub-${stage}-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:cityhub-${stage}-${name}`,
    memoryLimitInMB: String(decl.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/cityhub-${stage}-${name}`,
    logStreamName: stage,
    getRemainingTimeInMillis: () => Math.max(0, deadline - machineNow()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};
