import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSourceSecrets, MissingSecretError, sourceEnvSuffix } from '#shared/adapters/source-secrets';

const secretsManager = mockClient(SecretsManagerClient);
beforeEach(() => secretsManager.reset());

describe('source secrets', () => {
  it('names the variables after the source', () => {
    expect(sourceEnvSuffix('city-platform')).toBe('CITY_PLATFORM');
  });

  it('uses an inline secret without calling Secrets Manager', async () => {
    const secrets = createSourceSecrets({ SOURCE_SECRET_HOTLINE: 'whsec_aW5saW5l' });
    expect(await secrets('hotline')).toBe('whsec_aW5saW5l');
    expect(secretsManager.calls()).toHaveLength(0);
  });

  it('reads a deployed secret from Secrets Manager once and caches it', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cityhub/sanitation-AbCdEf';
    secretsManager
      .on(GetSecretValueCommand, { SecretId: arn })
      .resolves({ SecretString: 'c2VjcmV0c2VjcmV0' });
    const secrets = createSourceSecrets({ SOURCE_SECRET_ARN_SANITATION: arn });
    expect(await secrets('sanitation')).toBe('c2VjcmV0c2VjcmV0');
    expect(await secrets('sanitation')).toBe('c2VjcmV0c2VjcmV0');
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 1);
  });

  it('fails clearly when a source has no secret', async () => {
    await expect(createSourceSecrets({})('city-platform')).rejects.toThrow(MissingSecretError);
  });
});
