// Alpaca API credentials and where they come from (environment, AWS Secrets Manager). Invariant: a key id
// or secret never reaches a message, log line, JSON.stringify or util.inspect output — errors name the
// variable or secret id, never the value.
import { inspect } from 'node:util';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { InfrastructureError } from '../../../shared/errors/errors';

export type AlpacaCredentials = { readonly keyId: string; readonly secretKey: string };

/** Credentials that cannot be read or are malformed: a configuration problem, not a broker one. */
export class AlpacaCredentialsError extends Error {
  override readonly name = 'AlpacaCredentialsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const REDACTED = '[redacted]';

// Header values must be visible ASCII: anything else makes fetch throw a TypeError that quotes the value.
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** Both values live in private fields, so spreading, JSON and inspect all see only the redacted form. */
class RedactedCredentials implements AlpacaCredentials {
  readonly #keyId: string;
  readonly #secretKey: string;

  constructor(keyId: string, secretKey: string) {
    this.#keyId = keyId;
    this.#secretKey = secretKey;
  }

  get keyId(): string {
    return this.#keyId;
  }

  get secretKey(): string {
    return this.#secretKey;
  }

  toJSON(): Record<string, string> {
    return { keyId: REDACTED, secretKey: REDACTED };
  }

  toString(): string {
    return `AlpacaCredentials { keyId: ${REDACTED}, secretKey: ${REDACTED} }`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Validated credentials that redact themselves. `labels` name where each value came from, for the error
 * message (e.g. "environment variable APCA_API_SECRET_KEY"); the values themselves are never printed.
 */
export const alpacaCredentials = (
  keyId: string,
  secretKey: string,
  labels: { keyId: string; secretKey: string } = { keyId: 'Alpaca keyId', secretKey: 'Alpaca secretKey' },
): AlpacaCredentials => {
  for (const [label, value] of [
    [labels.keyId, keyId],
    [labels.secretKey, secretKey],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) throw new AlpacaCredentialsError(`${label} is empty`);
    if (!HEADER_SAFE.test(value)) {
      throw new AlpacaCredentialsError(`${label} contains whitespace or non-ASCII characters (check for a trailing newline)`);
    }
  }
  return new RedactedCredentials(keyId, secretKey);
};

/** `text` with either credential replaced wherever it appears (text built from a foreign error or body). */
export const redactCredentials = (text: string, credentials: AlpacaCredentials): string => {
  let out = text;
  for (const value of [credentials.secretKey, credentials.keyId]) if (value) out = out.split(value).join(REDACTED);
  return out;
};

/**
 * `error` itself, unless printing it (with its causes) would show a credential, or `source`, the text it was
 * built from, holds one (V8 quotes a few characters of bad JSON, enough for part of a key): then a stand-in.
 */
export const causeWithoutCredentials = (error: unknown, credentials: AlpacaCredentials, source?: string): unknown => {
  const values = [credentials.secretKey, credentials.keyId].filter((value) => value);
  const printed = inspect(error, { depth: 6 });
  if (!values.some((value) => printed.includes(value) || source?.includes(value))) return error;
  const name = error instanceof Error ? error.name : typeof error;
  return new Error(`${name} (details withheld: they contained a credential)`);
};

/** Reads APCA_API_KEY_ID and APCA_API_SECRET_KEY; a missing one is named, no value is ever printed. */
export const credentialsFromEnv = (env: NodeJS.ProcessEnv = process.env): AlpacaCredentials => {
  const missing = ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) throw new AlpacaCredentialsError(`missing environment variable ${missing.join(' and ')}`);
  return alpacaCredentials(env.APCA_API_KEY_ID as string, env.APCA_API_SECRET_KEY as string, {
    keyId: 'environment variable APCA_API_KEY_ID',
    secretKey: 'environment variable APCA_API_SECRET_KEY',
  });
};

/** The JSON stored in the secret. */
export const AlpacaSecretSchema = z.object({ keyId: z.string().min(1), secretKey: z.string().min(1) });

// Per client instance (one per Lambda execution environment), per secret id; the promise itself is cached
// so concurrent cold-start calls make one request, and a failure is evicted so the next call retries.
const cache = new WeakMap<SecretsManagerClient, Map<string, Promise<AlpacaCredentials>>>();

/**
 * Reads a JSON secret `{"keyId": "...", "secretKey": "..."}` once per client and secret id. A rotated
 * key is picked up by a new client (a new execution environment), not by this cache.
 */
export const credentialsFromSecretsManager = (client: SecretsManagerClient, secretId: string): Promise<AlpacaCredentials> => {
  let perClient = cache.get(client);
  if (!perClient) {
    perClient = new Map();
    cache.set(client, perClient);
  }
  const cached = perClient.get(secretId);
  if (cached) return cached;
  const loading = loadSecret(client, secretId);
  perClient.set(secretId, loading);
  loading.catch(() => perClient.delete(secretId));
  return loading;
};

const loadSecret = async (client: SecretsManagerClient, secretId: string): Promise<AlpacaCredentials> => {
  let secretString: string | undefined;
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    secretString = output.SecretString;
  } catch (error) {
    // Failed before any secret value arrived, so the SDK error cannot contain one.
    throw new InfrastructureError(`cannot read secret ${secretId} from Secrets Manager`, 'secrets-manager', { cause: error });
  }
  if (secretString === undefined) throw new AlpacaCredentialsError(`secret ${secretId} has no SecretString (binary secrets are not supported)`);
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    // No cause: JSON.parse's message quotes the text around the error, i.e. part of the secret.
    throw new AlpacaCredentialsError(`secret ${secretId} is not valid JSON (expected {"keyId": "...", "secretKey": "..."})`);
  }
  const parsed = AlpacaSecretSchema.safeParse(json);
  if (!parsed.success) {
    // Paths only: the issues' messages do not quote values today, but nothing here depends on that.
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
    throw new AlpacaCredentialsError(`secret ${secretId} must be JSON {"keyId": "...", "secretKey": "..."}; bad or missing: ${fields}`);
  }
  return alpacaCredentials(parsed.data.keyId, parsed.data.secretKey, { keyId: `secret ${secretId} field keyId`, secretKey: `secret ${secretId} field secretKey` });
};
