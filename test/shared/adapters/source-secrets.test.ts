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
    expect(await secrets('hotline')).toEqual(['whsec_aW5saW5l']);
    expect(secretsManager.calls()).toHaveLength(0);
  });

  it('reads a deployed secret from Secrets Manager once and caches it', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cityhub/sanitation-AbCdEf';
    secretsManager
      .on(GetSecretValueCommand, { SecretId: arn })
      .resolves({ SecretString: 'c2VjcmV0c2VjcmV0' });
    const secrets = createSourceSecrets({ SOURCE_SECRET_ARN_SANITATION: arn });
    expect(await secrets('sanitation')).toEqual(['c2VjcmV0c2VjcmV0']);
    expect(await secrets('sanitation')).toEqual(['c2VjcmV0c2VjcmV0']);
    expect(secretsManager).toReceiveCommandTimes(GetSecretValueCommand, 1);
  });

  it('reads several whitespace-separated secrets, newest first, from a rotating inline value', async () => {
    const secrets = createSourceSecrets({ SOURCE_SECRET_CITY_PLATFORM: ' whsec_bmV3 \n whsec_b2xk ' });
    expect(await secrets('city-platform')).toEqual(['whsec_bmV3', 'whsec_b2xk']);
  });

  it('reads both secrets of a Secrets Manager value during a rotation', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cityhub/hotline-AbCdEf';
    secretsManager
      .on(GetSecretValueCommand, { SecretId: arn })
      .resolves({ SecretString: 'bmV3bmV3 b2xkb2xk' });
    expect(await createSourceSecrets({ SOURCE_SECRET_ARN_HOTLINE: arn })('hotline')).toEqual([
      'bmV3bmV3',
      'b2xkb2xk',
    ]);
  });

  it('fails clearly when a Secrets Manager value holds only whitespace', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cityhub/blank-AbCdEf';
    secretsManager.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: '  ' });
    await expect(createSourceSecrets({ SOURCE_SECRET_ARN_HOTLINE: arn })('hotline')).rejects.toThrow(
      `secret ${arn} of source hotline is empty`,
    );
  });

  it('fails clearly when a source has no secret', async () => {
    await expect(createSourceSecrets({})('city-platform')).rejects.toThrow(
      new MissingSecretError('no signing secret configured for source city-platform'),
    );
  });
});
