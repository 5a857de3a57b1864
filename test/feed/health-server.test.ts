// The feed task's health port over real HTTP: /health answers while the process does, /ready answers 200 or 503
// with every check, a readiness that throws is not ready, and nothing else is served.
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../../feed/health-server';
import type { FeedReadiness } from '../../shared/feed/feed-readiness';

const ok = { ok: true, detail: 'fine' };
const ready: FeedReadiness = { ready: true, checks: { lease: ok, source: ok, marks: ok, bus: ok } };
const notReady: FeedReadiness = { ready: false, checks: { lease: { ok: false, detail: 'lease standby' }, source: ok, marks: ok, bus: ok } };

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (readiness: () => FeedReadiness) => {
  server = await startHealthServer({ port: 0, host: '127.0.0.1', readiness });
  const base = `http://127.0.0.1:${server.port}`;
  return (path: string, init?: RequestInit) => fetch(`${base}${path}`, init);
};

describe('the feed’s health port', () => {
  it('answers /health with 200 whatever the readiness', async () => {
    const get = await start(() => notReady);
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'alive' });
  });

  it('answers /ready with 200 and every check when ready, 503 and every check when not', async () => {
    let current = notReady;
    const get = await start(() => current);
    const waiting = await get('/ready');
    expect(waiting.status).toBe(503);
    expect(await waiting.json()).toEqual(notReady);
    current = ready;
    const leading = await get('/ready');
    expect(leading.status).toBe(200);
    expect(await leading.json()).toEqual(ready);
  });

  it('is not ready when its readiness cannot be judged', async () => {
    const get = await start(() => {
      throw new Error('feed not wired');
    });
    const response = await get('/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ready: false, message: 'feed not wired' });
  });

  it('serves GET only, and only /health and /ready', async () => {
    const get = await start(() => ready);
    expect((await get('/ready', { method: 'POST' })).status).toBe(405);
    expect((await get('/metrics')).status).toBe(404);
  });
});
