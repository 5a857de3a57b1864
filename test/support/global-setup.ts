// Starts one DynamoDB Local for the whole test run (every test file makes its own tables in it) and gives the run
// its own temporary directory, removed when the run ends: CDK's cloud assemblies, bundles and every other temporary
// file the tests and their child processes make go there, so a run leaves nothing behind in the system's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

const RUN_TMP = 'TSP_TEST_RUN_TMP';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Set before the workers start, which inherit the environment (os.tmpdir() reads TMPDIR on every call). Each
  // project runs this setup; the first one's directory serves them all and the first one's teardown removes it.
  const runTmp = process.env[RUN_TMP] === undefined ? mkdtempSync(join(tmpdir(), 'tsp-test-run-')) : undefined;
  if (runTmp) {
    process.env[RUN_TMP] = runTmp;
    process.env.TMPDIR = runTmp;
  }
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
    if (runTmp) rmSync(runTmp, { recursive: true, force: true });
  };
}
