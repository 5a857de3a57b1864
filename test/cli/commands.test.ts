// The operator CLI against a deployed-style API: a local server that verifies each request's SigV4 signature
// with the same signing library (as API Gateway's IAM authorization would), plus its help and its errors.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../cli/commands';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const REGION = 'eu-west-1';

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => resolve(text));
  });

/** Recomputes the request's signature over the headers it says it signed, with the known secret. */
const verify = async (req: IncomingMessage, body: string): Promise<boolean> => {
  const authorization = req.headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const headers = Object.fromEntries(signedHeaders.filter((h) => h !== 'x-amz-date').map((h) => [h, String(req.headers[h] ?? '')]));
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: CREDENTIALS, sha256: Hash.bind(null, 'sha256') });
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const expected = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, ...(body ? { body } : {}) },
    { signingDate },
  );
  return expected.headers.authorization === authorization;
};

describe('operator CLI, signed requests', () => {
  let server: Server;
  let url: string;
  const seen: { method?: string; path?: string; body: string; verified: boolean }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      void readBody(req).then(async (body) => {
        const verified = await verify(req, body);
        seen.push({ method: req.method, path: req.url, body, verified });
        res.setHeader('content-type', 'application/json');
        if (!verified) {
          res.statusCode = 403;
          res.end(JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }));
          return;
        }
        res.statusCode = req.url?.includes('/kill-switch/release') ? 409 : 200;
        res.end(
          JSON.stringify(
            res.statusCode === 409
              ? { error: 'ReleaseRefused', reason: 'SAME_PERSON', message: 'the person who killed the account may not release it' }
              : { account: 'paper-1', tradingState: 'ACTIVE', killSwitch: null, intake: 'running', openOrders: { count: 2, orders: [] }, breaker: null, lastReconciliation: { status: 'clean', completedAt: '2026-12-04T09:01:00.000Z' }, feed: { feedId: 'feed-1', at: '2026-12-04T09:01:02.000Z' } },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const io = (over: Partial<CliIo> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {}, credentials: async () => CREDENTIALS, ...over } satisfies CliIo };
  };

  it('signs a status request for execute-api with the caller’s credentials, and prints the account’s state', async () => {
    const run = io();
    await expect(runCli(['status', '--env', 'prod', '--api-url', url, '--region', REGION, '--account', 'paper-1'], run.io)).resolves.toBe(0);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', path: '/prod/status?account=paper-1', verified: true });
    expect(run.out.join('\n')).toMatch(/trading state\s+ACTIVE\n/);
    expect(run.out.join('\n')).toMatch(/open orders\s+2/);
  });

  it('signs a body too: a refused release prints its reason and exits 1', async () => {
    const run = io();
    await expect(runCli(['release', '--env', 'prod', '--api-url', url, '--region', REGION, '--account', 'paper-1', '--reason', 'flat again'], run.io)).resolves.toBe(1);
    expect(seen.at(-1)).toMatchObject({ method: 'POST', path: '/prod/kill-switch/release', body: JSON.stringify({ account: 'paper-1', reason: 'flat again' }), verified: true });
    expect(run.err.join('\n')).toBe('release refused (SAME_PERSON): the person who killed the account may not release it');
  });

  it('signs a PUT of a limits override read from a file, with the version the person reviewed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsp-')), 'limits.json');
    writeFileSync(file, JSON.stringify({ maxOrderNotional: '25000' }));
    const run = io();
    await expect(runCli(['limits', 'set', '--env', 'prod', '--api-url', url, '--region', REGION, '--account', 'paper-1', '--file', file, '--expected-version', '3', '--reason', 'desk raised it'], run.io)).resolves.toBe(0);
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', path: '/prod/limits', verified: true });
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toEqual({ account: 'paper-1', limits: { maxOrderNotional: '25000' }, reason: 'desk raised it', expectedVersion: '3' });
  });

  it('reports access denied when the signature does not verify (wrong secret)', async () => {
    const run = io({ credentials: async () => ({ ...CREDENTIALS, secretAccessKey: 'not-the-secret' }) });
    await expect(runCli(['status', '--env', 'prod', '--api-url', url, '--region', REGION, '--account', 'paper-1'], run.io)).resolves.toBe(1);
    expect(seen.at(-1)?.verified).toBe(false);
    expect(run.err.join('\n')).toMatch(/^status: access denied: The request signature we calculated does not match/);
  });

  it('says there are no credentials, and sends nothing, when the credential chain finds none', async () => {
    const before = seen.length;
    const run = io({
      credentials: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
      },
    });
    await expect(runCli(['kill', '--env', 'prod', '--api-url', url, '--region', REGION, '--account', 'paper-1', '--reason', 'runaway'], run.io)).resolves.toBe(1);
    expect(seen.length).toBe(before);
    expect(run.err.join('\n')).toMatch(/^tsp: no AWS credentials to sign the request with \(Could not load credentials from any providers\): set AWS_PROFILE/);
  });

  it('finds the API from the stack outputs when no --api-url is given', async () => {
    const asked: string[] = [];
    const run = io({ findApiUrl: async (env) => (asked.push(env), url) });
    await expect(runCli(['status', '--env', 'prod', '--region', REGION, '--account', 'paper-1'], run.io)).resolves.toBe(0);
    expect(asked).toEqual(['prod']);
  });
});

describe('operator CLI, help and usage', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env: {} } satisfies CliIo };
  };

  it('lists every command in --help', async () => {
    const run = capture();
    await expect(runCli(['--help'], run.io)).resolves.toBe(0);
    for (const command of ['status', 'timeline', 'kill', 'release', 'approve', 'reject', 'reenable', 'flatten', 'arm', 'strategy', 'limits', 'reference']) {
      expect(run.lines.join('\n')).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it.each([
    ['status'], ['timeline'], ['kill'], ['release'], ['approve'], ['reject'], ['reenable'], ['flatten'], ['arm'],
    ['strategy', 'disable'], ['strategy', 'enable'], ['limits', 'show'], ['limits', 'set'], ['reference', 'load'],
  ])('has --help for %s %s, naming its target options', async (...command) => {
    const run = capture();
    await expect(runCli([...command.filter(Boolean), '--help'], run.io)).resolves.toBe(0);
    expect(run.lines.join('\n')).toMatch(/--local <url>/);
    expect(run.lines.join('\n')).toMatch(/--env <env>/);
  });

  it('refuses a command without a target, and --as with a deployed environment', async () => {
    const none = capture();
    await expect(runCli(['status', '--account', 'paper-1'], none.io)).resolves.toBe(1);
    expect(none.lines.join('\n')).toMatch(/name a target: --local <url> --as <person>, or --env dev\|staging\|prod/);
    const spoof = capture();
    await expect(runCli(['kill', '--env', 'prod', '--as', 'alice', '--account', 'paper-1', '--reason', 'x'], spoof.io)).resolves.toBe(1);
    expect(spoof.lines.join('\n')).toMatch(/--as is for the local API only: in AWS the person is the signing identity/);
  });

  it('refuses a limits file that breaks the limits schema before sending anything, naming the file and the field', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsp-')), 'limits.json');
    writeFileSync(file, JSON.stringify({ maxOrderNotional: 'lots', maxOpenOrders: 5 }));
    const run = capture();
    const sent: string[] = [];
    const io = { ...run.io, fetch: (async (u: string) => void sent.push(u)) as unknown as typeof fetch };
    await expect(runCli(['limits', 'set', '--local', 'http://127.0.0.1:9', '--as', 'alice', '--account', 'paper-1', '--file', file, '--reason', 'r'], io)).resolves.toBe(1);
    expect(run.lines.join('\n')).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a limits override: maxOrderNotional: `));
    expect(sent).toEqual([]);
  });

  it('refuses a reference file with an invalid ADV or sector before sending anything', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsp-')), 'reference.json');
    writeFileSync(file, JSON.stringify({ AAPL: { adv: '-5' }, MSFT: { sector: 'CASINOS' } }));
    const run = capture();
    await expect(runCli(['reference', 'load', file, '--local', 'http://127.0.0.1:9', '--as', 'alice', '--reason', 'r'], run.io)).resolves.toBe(1);
    expect(run.lines.join('\n')).toMatch(/is not a reference document: AAPL\.adv: must be a positive decimal string.*MSFT\.sector: must be one of/);
  });

  it('refuses an environment that is not deployable', async () => {
    const run = capture();
    await expect(runCli(['status', '--env', 'qa', '--account', 'paper-1'], run.io)).resolves.toBe(2);
    expect(run.lines.join('\n')).toMatch(/Allowed choices are dev, staging, prod/);
  });
});
