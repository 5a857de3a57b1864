// The kill-switch API on localhost: every HTTP request becomes the API Gateway REST proxy event the
// kill-switch Lambda receives in AWS, and the same handler answers it. Locally the caller's identity is
// the X-Principal header (the handler is built with principalFrom: 'header'), a documented stand-in for
// IAM: anyone who can reach the port can claim any name, so it binds to 127.0.0.1 only, and it answers only
// requests addressed to localhost by their Host header (a web page that rebinds its own name to 127.0.0.1
// cannot drive it from a browser).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyResult } from 'aws-lambda';

/**
 * What this server puts in every event's requestContext where API Gateway puts its own: the handler built for
 * the local run trusts exactly this API id and stage (its CallerAccess), as the AWS one trusts its REST API's.
 */
export const LOCAL_API = { apiId: 'localapi', stage: 'local', accountId: '000000000000' } as const;

/** Larger bodies are refused (413) before the handler sees them; API Gateway has its own, larger limit. */
const MAX_BODY_BYTES = 64 * 1024;

export type ApiHandler = (event: unknown) => Promise<APIGatewayProxyResult>;

export interface LocalApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

class BodyTooLargeError extends Error {}

/** The names a request to this machine's loopback may carry in its Host header (any port). */
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether the Host header names this machine's loopback; a missing one is refused too (HTTP/1.1 requires it). */
export const isLocalHost = (host: string | undefined): boolean => {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return LOCAL_HOSTS.has((name ?? '').toLowerCase());
};

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
};

/** The REST proxy event for one request (the fields the handler reads, shaped as API Gateway sends them). */
export const proxyEventOf = (request: { method: string; url: string; headers: Record<string, string | string[] | undefined> }, body: string) => {
  const url = new URL(request.url, 'http://localhost');
  const query = Object.fromEntries(url.searchParams.entries());
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
  return {
    httpMethod: request.method,
    path: url.pathname,
    resource: url.pathname,
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    body: body.length > 0 ? body : null,
    isBase64Encoded: false,
    requestContext: { requestId: randomUUID(), ...LOCAL_API, httpMethod: request.method, identity: { userArn: null } },
  };
};

/** Listens on 127.0.0.1:`port` (0: any free port) until close(). */
export const startLocalApi = async (handler: ApiHandler, port: number): Promise<LocalApi> => {
  const server = createServer((request, response) => {
    void (async () => {
      let result: APIGatewayProxyResult;
      if (!isLocalHost(request.headers.host)) {
        request.resume();
        response.writeHead(421, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'MisdirectedRequest', message: 'this API answers requests to localhost only' }));
        return;
      }
      try {
        const body = await readBody(request);
        result = await handler(proxyEventOf({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers }, body));
      } catch (error) {
        const tooLarge = error instanceof BodyTooLargeError;
        result = { statusCode: tooLarge ? 413 : 500, body: JSON.stringify({ error: tooLarge ? 'PayloadTooLarge' : 'InternalError' }) };
      }
      response.writeHead(result.statusCode, { 'content-type': 'application/json', ...(result.headers as Record<string, string> | undefined) });
      response.end(result.body);
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
