import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod';
import { type Source, sources } from '#shared/schemas/ingest';

/** Environment variable suffix of a source: `city-platform` → `CITY_PLATFORM`. */
export const sourceEnvSuffix = (source: Source): string => source.toUpperCase().replaceAll('-', '_');

/**
 * Each source's signing secrets come either inline (`SOURCE_SECRET_<SOURCE>`, local runtime) or from
 * Secrets Manager (`SOURCE_SECRET_ARN_<SOURCE>`, deployed; cached for 5 minutes). Either value holds one
 * secret, or several separated by whitespace (newest first) while a secret is rotated: a request signed
 * with any of them verifies (docs/deploy.md, rotating a source secret).
 */
export const sourceSecretsEnvSchema = z.object(
  Object.fromEntries(
    sources.flatMap((source) => [
      [`SOURCE_SECRET_${sourceEnvSuffix(source)}`, z.string().min(1).optional()],
      [`SOURCE_SECRET_ARN_${sourceEnvSuffix(source)}`, z.string().startsWith('arn:').optional()],
    ]),
  ),
);

/** Thrown when a source has no secret configured. */
export class MissingSecretError extends Error {
  override name = 'MissingSecretError';
}

/** The secrets of a secret value: whitespace-separated, newest first; none when it is blank. */
export const secretsOfValue = (value: string): readonly string[] =>
  value.split(/\s+/).filter((secret) => secret.length > 0);

/** Looks up the signing secrets of a source: at least one, newest first. */
export type SourceSecrets = (source: Source) => Promise<readonly string[]>;

export const createSourceSecrets =
  (env: Record<string, string | undefined>): SourceSecrets =>
  async (source) => {
    const suffix = sourceEnvSuffix(source);
    const inline = secretsOfValue(env[`SOURCE_SECRET_${suffix}`] ?? '');
    if (inline.length > 0) return inline;
    const arn = env[`SOURCE_SECRET_ARN_${suffix}`];
    if (!arn) throw new MissingSecretError(`no signing secret configured for source ${source}`);
    const secrets = secretsOfValue((await getSecret<string>(arn, { maxAge: 300 })) ?? '');
    if (secrets.length === 0) throw new MissingSecretError(`secret ${arn} of source ${source} is empty`);
    return secrets;
  };
