// How the operator CLI reaches the kill-switch API: locally with the X-Principal stand-in, in AWS signed with
// SigV4 (the SDK's own signer) from the standard credential chain. Every failure is an OperatorCliError whose
// message says what to do; nothing here prints.
import { Hash } from '@smithy/hash-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { SignatureV4 } from '@smithy/signature-v4';

/** A failure the CLI reports as one line and a non-zero exit; `cause` keeps what went wrong underneath. */
export class OperatorCliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OperatorCliError';
  }
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** The route, e.g. `/kill-switch`. */
  path: string;
  query?: Record<string, string>;
  body?: Record<string, unknown>;
}

/** Sends one request to the API and returns its answer, whatever its status; throws only when no answer came. */
export interface OperatorApi {
  readonly url: string;
  send(request: ApiRequest): Promise<ApiResponse>;
}

/** The run's fetch: injectable so tests can count calls; the global one otherwise. */
type Fetch = typeof fetch;

const urlOf = (base: string, request: ApiRequest): URL => {
  const url = new URL(request.path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
  return url;
};

const readAnswer = async (response: Response): Promise<ApiResponse> => {
  const text = await response.text();
  try {
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  } catch {
    return { status: response.status, body: { message: text } };
  }
};

const unreachable = (url: string, error: unknown): OperatorCliError =>
  new OperatorCliError(`cannot reach the kill-switch API at ${url}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`, { cause: error });

/** The local API: the person is the X-Principal header (a stand-in for IAM that only the local API accepts). */
export const localApi = (url: string, person: string, fetchImpl: Fetch = fetch): OperatorApi => ({
  url,
  async send(request) {
    const target = urlOf(url, request);
    try {
      const response = await fetchImpl(target, {
        method: request.method,
        headers: { 'x-principal': person, ...(request.body ? { 'content-type': 'application/json' } : {}) },
        ...(request.body ? { body: JSON.stringify(request.body) } : {}),
      });
      return await readAnswer(response);
    } catch (error) {
      throw unreachable(url, error);
    }
  },
});

/** The region of an API Gateway URL (`https://<id>.execute-api.<region>.amazonaws.com/<stage>/`), if it names one. */
export const regionOfApiUrl = (url: string): string | undefined => /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(url).hostname)?.[1];

/** The deployed API: each request signed for `execute-api` with the caller's credentials. */
export const signedApi = (url: string, options: { region: string; credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity; fetch?: Fetch }): OperatorApi => {
  const signer = new SignatureV4({ service: 'execute-api', region: options.region, credentials: options.credentials, sha256: Hash.bind(null, 'sha256') });
  const fetchImpl = options.fetch ?? fetch;
  return {
    url,
    async send(request) {
      const target = urlOf(url, request);
      const body = request.body ? JSON.stringify(request.body) : undefined;
      let signed;
      try {
        signed = await signer.sign({
          method: request.method,
          protocol: target.protocol,
          hostname: target.hostname,
          ...(target.port ? { port: Number(target.port) } : {}),
          path: target.pathname,
          query: Object.fromEntries(target.searchParams),
          headers: { host: target.host, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { body } : {}),
        });
      } catch (error) {
        throw new OperatorCliError(
          `no AWS credentials to sign the request with (${error instanceof Error ? error.message : String(error)}): set AWS_PROFILE, run \`aws sso login\`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
          { cause: error },
        );
      }
      try {
        // `host` is set by fetch itself from the URL; the signed value is the same.
        const { host: _host, ...headers } = signed.headers;
        const response = await fetchImpl(target, { method: request.method, headers, ...(body ? { body } : {}) });
        return await readAnswer(response);
      } catch (error) {
        throw unreachable(url, error);
      }
    },
  };
};
