// The state machine's SetHalted halts from the same states as the breaker's own halt on start and the
// dead-man switch's "can still trade": the one list in shared/trading-state/trading-state.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { BREAKER_TRANSITIONS } from '../../shared/breaker/breaker-tasks';
import { TRADABLE_STATES, TradingStateSchema } from '../../shared/trading-state/trading-state';

const ASL_PATH = join(import.meta.dirname, '..', '..', 'statemachines', 'circuit-breaker.asl.json');

/** The part of the definition this reads: SetHalted's task payload. */
const SetHaltedSchema = z.object({
  States: z.object({
    SetHalted: z.object({ Parameters: z.object({ Payload: z.object({ task: z.literal('setState'), to: z.literal('HALTED'), from: z.array(TradingStateSchema) }) }) }),
  }),
});

describe('SetHalted in circuit-breaker.asl.json', () => {
  it('halts from exactly the states in which an account can trade', () => {
    const definition = SetHaltedSchema.parse(JSON.parse(readFileSync(ASL_PATH, 'utf8')));
    expect(definition.States.SetHalted.Parameters.Payload.from).toEqual([...TRADABLE_STATES]);
  });
});

/** Every setState payload anywhere in the definition. */
const setStatePayloads = (node: unknown): { to: string; from: string[] }[] => {
  if (Array.isArray(node)) return node.flatMap(setStatePayloads);
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = record.task === 'setState' ? [{ to: String(record.to), from: record.from as string[] }] : [];
  return [...own, ...Object.values(record).flatMap(setStatePayloads)];
};

describe('every setState in circuit-breaker.asl.json', () => {
  it('asks only for the moves the breaker function accepts, so nothing else can pass for the state machine', () => {
    const payloads = setStatePayloads(JSON.parse(readFileSync(ASL_PATH, 'utf8')));
    expect(payloads.length).toBeGreaterThanOrEqual(6);
    for (const { to, from } of payloads) {
      const allowed = BREAKER_TRANSITIONS[to as keyof typeof BREAKER_TRANSITIONS] ?? [];
      expect(from.length, `${to} from ${from.join(',')}`).toBeGreaterThan(0);
      for (const state of from) expect(allowed, `${to} from ${state}`).toContain(state);
    }
  });
});
