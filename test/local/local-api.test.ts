// The localhost kill-switch API: HTTP requests reach the handler as REST proxy events, answers go back as sent.
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { isLocalHost, startLocalApi, type LocalApi } from '../../local/local-api';

describe('local kill-switch API server', () => {
  let api: LocalApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('refuses, without calling the handler, a request whose Host header is not localhost (a rebound DNS name)', async () => {
    let called = false;
    api = await startLocalApi(async () => {
      called = true;
      return { statusCode: 200, body: '{}' };
    }, 0);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: api?.port, path: '/status?account=paper-1', headers: { host: 'attacker.example:8787', 'x-principal': 'alice' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
    expect(called).toBe(false);
  });

  it('takes localhost, 127.0.0.1 and [::1] with any port as the Host, and nothing else', () => {
    for (const host of ['localhost', 'localhost:8787', '127.0.0.1:8787', '[::1]:8787', 'LOCALHOST']) expect(isLocalHost(host), host).toBe(true);
    for (const host of [undefined, '', 'localhost.attacker.example', '127.0.0.1.nip.io', 'attacker.example', '[::2]:8787']) expect(isLocalHost(host), String(host)).toBe(false);
  });

  it('hands the handler a REST proxy event with the method, path, query, headers and body', async () => {
    const seen: unknown[] = [];
    api = await startLocalApi(async (event) => {
      seen.push(event);
      return { statusCode: 207, headers: { 'x-answer': 'yes' }, body: JSON.stringify({ ok: true }) };
    }, 0);
    const response = await fetch(`${api.url}/kill-switch?account=paper-1`, {
      method: 'POST',
      headers: { 'X-Principal': 'alice', 'content-type': 'application/json' },
      body: JSON.stringify({ account: 'paper-1', reason: 'runaway' }),
    });
    expect(response.status).toBe(207);
    expect(response.headers.get('x-answer')).toBe('yes');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({
      httpMethod: 'POST',
      path: '/kill-switch',
      headers: { 'x-principal': 'alice' },
      queryStringParameters: { account: 'paper-1' },
      body: JSON.stringify({ account: 'paper-1', reason: 'runaway' }),
      requestContext: { requestId: expect.any(String) },
    });
  });

  it('refuses a body over 64 KB without calling the handler', async () => {
    let calls = 0;
    api = await startLocalApi(async () => {
      calls++;
      return { statusCode: 200, body: '{}' };
    }, 0);
    const response = await fetch(`${api.url}/kill-switch`, { method: 'POST', body: 'x'.repeat(65 * 1024) });
    expect(response.status).toBe(413);
    expect(calls).toBe(0);
  });

  it('answers 500 when the handler throws, and keeps serving', async () => {
    let fail = true;
    api = await startLocalApi(async () => {
      if (fail) throw new Error('boom');
      return { statusCode: 200, body: '{}' };
    }, 0);
    expect((await fetch(`${api.url}/status`)).status).toBe(500);
    fail = false;
    expect((await fetch(`${api.url}/status`)).status).toBe(200);
  });

  it('listens on 127.0.0.1 only', async () => {
    api = await startLocalApi(async () => ({ statusCode: 200, body: '{}' }), 0);
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
