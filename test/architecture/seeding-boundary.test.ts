// The seeding that tests and the local runtime use (unconditional trading-state writes, cash deposits, limits
// overrides, marks) bypasses every control, so no Lambda handler and nothing in the Lambda-side wiring may
// reach it through any chain of imports.
import { describe, expect, it } from 'vitest';
import { formatChain, type ImportGraph, importChain, sourceGraph } from './import-graph';

const SEEDER = 'adapters/dynamodb/table-seeder.ts';

/** What runs in AWS: every handler and what wires them. */
const lambdaSide = (graph: ImportGraph): string[] =>
  [...graph.keys()].filter((file) => file.startsWith('functions/') || file.startsWith('adapters/aws/') || file === 'adapters/aws-wiring.ts');

/** The import chain from the Lambda side to the seeder, if there is one. */
const seedingReached = (graph: ImportGraph): string[] => {
  const chain = importChain(graph, lambdaSide(graph), SEEDER);
  return chain === undefined ? [] : [formatChain(chain)];
};

describe('seeding boundary', () => {
  it('reports a planted chain from a handler to the seeder, import by import (the checker itself can fail)', () => {
    const graph: ImportGraph = new Map([
      ['functions/risk/handler.ts', ['shared/risk/risk-service.ts', 'adapters/dynamodb/dynamo-trading-store.ts']],
      ['adapters/dynamodb/dynamo-trading-store.ts', ['adapters/dynamodb/item-codec.ts']],
      ['adapters/dynamodb/item-codec.ts', [SEEDER]],
      ['local/session.ts', [SEEDER]],
    ]);
    expect(seedingReached(graph)).toEqual([`functions/risk/handler.ts → adapters/dynamodb/dynamo-trading-store.ts → adapters/dynamodb/item-codec.ts → ${SEEDER}`]);
  });

  it('passes a planted graph where only the local runtime and tests reach the seeder', () => {
    const graph: ImportGraph = new Map([
      ['functions/order/handler.ts', ['adapters/aws/safety-wiring.ts']],
      ['adapters/aws/safety-wiring.ts', ['adapters/dynamodb/dynamo-trading-store.ts']],
      ['adapters/dynamodb/dynamo-trading-store.ts', []],
      ['local/session.ts', [SEEDER, 'adapters/aws/safety-wiring.ts']],
    ]);
    expect(seedingReached(graph)).toEqual([]);
  });

  const { graph } = sourceGraph();

  it(`keeps the seeding in ${SEEDER}, so a rename cannot make this boundary pass unchecked`, () => {
    expect(graph.has(SEEDER), `${SEEDER} is a source file`).toBe(true);
  });

  it('keeps the seeding out of reach of every Lambda handler and the Lambda-side AWS wiring', () => {
    expect(lambdaSide(graph)).toContain('adapters/aws-wiring.ts');
    expect(lambdaSide(graph).filter((file) => file.endsWith('/handler.ts')).length).toBeGreaterThanOrEqual(6);
    expect(seedingReached(graph)).toEqual([]);
  });
});
