// npm run fuzz, small: every entry point gets generated inputs against the suite's DynamoDB Local and must
// neither crash nor write on a rejection; and the runner itself can fail (a crash, a write on a rejection and
// too few inputs are each caught).
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { ENTRY_POINTS, runFuzz } from '../../../bench/fuzz/fuzz';
import { failuresOf, fuzzTarget, mixOf, type FuzzTarget, type Verdict } from '../../../bench/fuzz/runner';
import { TableWatch } from '../../../bench/fuzz/table-watch';

// The entry points over DynamoDB Local cost a few round trips per input, the others microseconds: 100 and 1,000 inputs.
const TABLE_ENTRY_POINTS = ['risk', 'risk-batch', 'order', 'kill-switch'] as const;
const MEMORY_ENTRY_POINTS = ENTRY_POINTS.filter((name) => !(TABLE_ENTRY_POINTS as readonly string[]).includes(name));

describe('npm run fuzz', () => {
  it('sends generated inputs to every entry point with no crash and no partial write, reaching past the schemas', async () => {
    const dynamoEndpoint = inject('dynamoEndpoint');
    const [tables, memory] = await Promise.all([
      runFuzz({ runs: 100, seed: 42, dynamoEndpoint, only: TABLE_ENTRY_POINTS }),
      runFuzz({ runs: 1000, seed: 42, dynamoEndpoint, only: MEMORY_ENTRY_POINTS }),
    ]);
    const entryPoints = { ...tables.entryPoints, ...memory.entryPoints };
    expect(Object.keys(entryPoints).sort()).toEqual([...ENTRY_POINTS].sort());
    for (const [name, entry] of Object.entries(entryPoints)) {
      const runs = (TABLE_ENTRY_POINTS as readonly string[]).includes(name) ? 100 : 1000;
      expect({ name, inputs: entry.inputs, crashes: entry.crashExamples, partialWrites: entry.partialWriteExamples }).toEqual({ name, inputs: runs, crashes: [], partialWrites: [] });
      expect(entry.byKind.valid.accepted, name).toBeGreaterThan(0);
      expect(entry.byKind.oneWrong.rejected, name).toBeGreaterThan(0);
    }
    expect([...tables.failures, ...memory.failures]).toEqual([]);
  }, 120_000);
});

describe('the fuzz runner', () => {
  /** A target over a real table whose every input is rejected, after doing what `act` does. */
  const rejectingTarget = async (act: (watch: TableWatch) => Promise<Verdict>): Promise<FuzzTarget<number>> => {
    const watch = new TableWatch(inject('dynamoEndpoint'));
    const n = fc.nat({ max: 1000 });
    return {
      name: 'planted',
      arbitrary: mixOf(n, n, n.map((input) => ({ input, mutation: 'none' }))),
      epochSize: 5,
      startEpoch: async () => void (await watch.freshTable('planted')),
      send: () => act(watch),
      watch,
      close: () => watch.close(),
    };
  };

  it('counts a rejected input that wrote to the table as a partial write, and one that wrote nothing as none', async () => {
    let i = 0;
    const writing = await rejectingTarget(async (watch) => {
      await watch.client.send(new PutItemCommand({ TableName: watch.tableName, Item: { pk: { S: 'P' }, sk: { S: String(i++) } } }));
      return { kind: 'rejected', error: 'x: planted' };
    });
    expect(await fuzzTarget(writing, { runs: 6, seed: 1 })).toMatchObject({ inputs: 6, rejected: 6, partialWrites: 6 });
    const clean = await rejectingTarget(async () => ({ kind: 'rejected', error: 'x: planted' }));
    expect(await fuzzTarget(clean, { runs: 6, seed: 1 })).toMatchObject({ inputs: 6, rejected: 6, partialWrites: 0 });
  });

  it('counts a throw as a crash with its stack, and fails the run on crashes, partial writes and missing inputs', async () => {
    const throwing = await rejectingTarget(async () => {
      throw new TypeError('planted');
    });
    const report = await fuzzTarget(throwing, { runs: 3, seed: 1 });
    expect(report).toMatchObject({ inputs: 3, crashes: 3, crashExamples: expect.arrayContaining([expect.objectContaining({ error: 'TypeError: planted', stack: expect.stringContaining('fuzz.test.ts') })]) });
    expect(failuresOf({ a: report, b: { ...report, crashes: 0, partialWrites: 2 }, c: { ...report, crashes: 0, inputs: 2 } }, 3)).toEqual([
      'a: 3 crash(es)',
      'b: 2 partial write(s)',
      'c: 2 inputs, fewer than the 3 asked',
    ]);
  });
});
