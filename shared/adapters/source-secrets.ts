import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod';
import { type Source, sources } from '#shared/schemas/ingest';

/** Environment variable suffix of a source: `city-platform` → `CITY_PLATFORM`. */
export const sourceEnvSuffix = (source: Source): string => source.toUpperCase().replaceAll('-', '_');

/**
 * Each source's signing secret comes either inline (`SOURCE_SECRET_<SOURCE>`, local runtime) or from
 * Secrets Manager (`SOURCE_SECRET_ARN_<SOURCE>`, deployed; cached for 5 minutes).
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

/** Looks up the signing secret of a source. */
export type SourceSecrets = (source: Source) => Promise<string>;

export const createSourceSecrets =
  (env: Record<string, string | undefined>): SourceSecrets =>
  async (source) => {
    const suffix = sourceEnvSuffix(source);
    const inline = env[`SOURCE_SECRET_${suffix}`];
    if (inline) return inline;
    const arn = env[`SOURCE_SECRET_ARN_${suffix}`];
    if (!arn) throw new MissingSecretError(`no signing secret configured for source ${source}`);
    const secret = await getSecret<string>(arn, { maxAge: 300 });
    if (!secret) throw new MissingSecretError(`secret ${arn} of source ${source} is empty`);
    return secret;
  };
