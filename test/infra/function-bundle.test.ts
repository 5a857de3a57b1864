// The function bundler's own choices, checked on real esbuild output: the credential chain a bundled SDK client
// resolves with (run in a fresh Node process), and what the bundles leave out (read from their source maps).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, buildFunctionBundle } from '../../infra/function-bundle';

const run = promisify(execFile);
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Calls the probe bundle's handler in a fresh Node process with exactly `env`, and what it returned or threw. */
const callProbe = async (bundle: string, env: Record<string, string>): Promise<{ key?: string; error?: string }> => {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});
try { process.stdout.write(JSON.stringify({ key: await m.handler() })); } catch (e) { process.stdout.write(JSON.stringify({ error: e.message })); }`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return JSON.parse(stdout) as { key?: string; error?: string };
};

describe('the credential chain of a bundled SDK client', () => {
  let bundle = '';
  // A home with no AWS config files, so nothing but what a test sets could supply credentials.
  let home = '';
  beforeAll(async () => {
    const out = tempDir('probe-bundle-');
    await buildFunctionBundle(join('test', 'infra', 'fixtures', 'credential-probe.ts'), out);
    bundle = join(out, BUNDLE_FILE);
    home = tempDir('probe-home-');
  }, 60_000);

  it('takes the credentials Lambda puts in the environment', async () => {
    const found = await callProbe(bundle, { HOME: home, AWS_ACCESS_KEY_ID: 'AKIAFROMENVIRONMENT', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' });
    expect(found).toEqual({ key: 'AKIAFROMENVIRONMENT' });
  });

  describe('from a container credentials endpoint', () => {
    let server: Server;
    let requests = 0;
    beforeAll(async () => {
      server = createServer((_req, res) => {
        requests += 1;
        res.setHeader('content-type', 'application/json');
        const expiration = new Date(Date.now() + 3_600_000).toISOString();
        res.end(JSON.stringify({ AccessKeyId: 'AKIAFROMCONTAINER', SecretAccessKey: 'secret', Token: 'token', Expiration: expiration }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('takes them from the endpoint when the environment has none', async () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/credentials`;
      const found = await callProbe(bundle, { HOME: home, AWS_CONTAINER_CREDENTIALS_FULL_URI: url });
      expect(found).toEqual({ key: 'AKIAFROMCONTAINER' });
      expect(requests).toBe(1);
    });
  });

  it('fails naming the sources it reads when neither is there, without trying profiles or instance metadata', async () => {
    const profile = tempDir('probe-profile-');
    // A shared credentials file the SDK's full chain would read: the bundled chain must not.
    const credentialsFile = join(profile, 'credentials');
    writeFileSync(credentialsFile, '[default]\naws_access_key_id = AKIAFROMPROFILE\naws_secret_access_key = secret\n');
    const found = await callProbe(bundle, { HOME: home, AWS_SHARED_CREDENTIALS_FILE: credentialsFile });
    expect(found.key).toBeUndefined();
    expect(found.error).toContain('AWS_ACCESS_KEY_ID');
    expect(found.error).toContain('profiles, SSO, web identity and instance metadata are not bundled');
  });
});

describe('what a function bundle leaves out', () => {
  let sources: string[] = [];
  beforeAll(async () => {
    const out = tempDir('risk-bundle-');
    // The risk function parses its events with Powertools' parser schemas, which import zod by a named z.
    await buildFunctionBundle(join('functions', 'risk', 'handler.ts'), out);
    sources = (JSON.parse(readFileSync(join(out, `${BUNDLE_FILE}.map`), 'utf8')) as { sources: string[] }).sources;
  }, 60_000);

  it('carries the environment and container credential sources and none of the others', () => {
    expect(sources.some((s) => s.includes('@aws-sdk/credential-provider-env/'))).toBe(true);
    expect(sources.some((s) => s.includes('@aws-sdk/credential-provider-http/'))).toBe(true);
    const others = /credential-provider-(sso|ini|process|web-identity|login)\/|nested-clients\/|credential-provider-imds\/|token-providers\//;
    expect(sources.filter((s) => others.test(s))).toEqual([]);
  });

  it("shakes zod as a namespace, Powertools' parser schemas included", () => {
    expect(sources.some((s) => s.includes('@aws-lambda-powertools/parser/'))).toBe(true);
    // z.compile is the first thing a whole zod namespace brings: nothing here calls it.
    expect(sources.filter((s) => s.includes('zod/v4/core/compile.js'))).toEqual([]);
  });
});
