// The feed task's health port: GET /health answers 200 while the process can answer at all (the container
// health check: a hung event loop fails it and ECS replaces the task); GET /ready answers 200 or 503 with every
// readiness check and its detail, for an operator waiting to arm an account. Nothing else is served.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FeedReadiness } from '../shared/feed/feed-readiness';

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface HealthServerOptions {
  /** 0: any free port. */
  port: number;
  /** Default all interfaces: the container's health check and the task's network reach it. */
  host?: string;
  readiness(): FeedReadiness;
}

const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });

const answer = (method: string | undefined, path: string, readiness: () => FeedReadiness): { status: number; body: string } => {
  if (path !== '/health' && path !== '/ready') return json(404, { message: `no route ${path}: GET /health or GET /ready` });
  if (method !== 'GET') return json(405, { message: `${path} answers GET only` });
  if (path === '/health') return json(200, { status: 'alive' });
  try {
    const ready = readiness();
    return json(ready.ready ? 200 : 503, ready);
  } catch (error) {
    // A readiness that cannot be judged is not ready.
    return json(503, { ready: false, message: error instanceof Error ? error.message : String(error) });
  }
};

export const startHealthServer = async (options: HealthServerOptions): Promise<HealthServer> => {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://feed').pathname;
    const { status, body } = answer(request.method, path, options.readiness);
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
