// `npm run bench:contention [-- --json c.json] [--seconds 5]`: how many pre-trade decisions a second one
// account takes when 1, 4 and 16 deciders decide its intents at once, and 16 accounts with one decider each,
// against DynamoDB Local with the real risk store. Every intent is one the limits approve (the worst case: an
// approval writes the account's shared items), and a lost-update check compares the account's stored counters
// with the approvals the deciders were told about.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { measureContention, type ContentionReport } from './contention/measure';
import { localDynamoClientConfig, startDynamoDbLocal } from '../local/dynamodb-local';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    seconds: { type: 'string', default: '5' },
  },
});

const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number (got ${values.seconds})`);

const db = await startDynamoDbLocal();
const client = new DynamoDBClient({ ...localDynamoClientConfig(db.endpoint), maxAttempts: 1 });
let report: ContentionReport;
try {
  report = await measureContention(client, { durationMs: seconds * 1000, log: (line) => console.log(line) });
} finally {
  client.destroy();
  await db.stop();
}
console.log(JSON.stringify(report, null, 2));
if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
if (report.lostUpdates !== 0) {
  console.error(`lost updates: ${report.lostUpdates}`);
  process.exitCode = 1;
}
