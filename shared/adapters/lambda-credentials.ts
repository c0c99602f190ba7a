import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Bundled into the Lambda functions in place of the SDK's default credential chain
 * (`@aws-sdk/credential-provider-node`, aliased at bundling: infra/constructs/bundling.ts). Lambda
 * gives a function its role's credentials in the environment, which is the first link of the default
 * chain anyway; the chain's other links (SSO, shared INI files, web identity, ECS and EC2 metadata,
 * with the STS and SSO clients they bring) never run there, but weigh about 80 KB and a third of
 * a cold start. Local runs and tests import the SDK unbundled and keep the whole chain.
 */
export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);
