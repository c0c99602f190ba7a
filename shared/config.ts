import * as z from 'zod';

/** Thrown at cold start when the environment misses or garbles a variable; names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Checks that a string names an IANA time zone this runtime knows. */
export const timeZoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Asia/Shanghai');

/** Variables every function reads. */
export const baseEnvSchema = z.object({
  /** City time zone; days are calendar dates there. */
  CITY_TIMEZONE: timeZoneSchema.default('Asia/Shanghai'),
  /** Endpoint override for DynamoDB (the local runtime points it at DynamoDB Local). */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Endpoint override for EventBridge (the local runtime points it at its in-process bus). */
  EVENTBRIDGE_ENDPOINT: z.url().optional(),
});

/** Parses `env` with `schema` once; on failure throws one error naming every bad variable. */
export const loadEnv = <Schema extends z.ZodType>(
  schema: Schema,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<Schema> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  return parsed.data;
};
