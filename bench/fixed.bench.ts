// `npx tsx bench/fixed.bench.ts`: ns per operation of the hot-path Fixed type (shared/money/fixed)
// against decimal.js for parse, multiply, add and compare on ordinary prices and quantities, then on
// 30-digit values that take the BigInt fallback.
//
// Method: each timed call runs a batch of BATCH operations, because a ~10 ns operation is far below
// the timer's resolution and tinybench's per-call overhead. Every result is stored in an array so V8
// cannot elide the allocation (escape analysis) and flatter the figures. Figures are the median over
// ROUNDS short rounds, which resists the load bursts of a shared machine. The ordinary cases run first,
// before V8 has seen any bigint mantissa, and once more after the BigInt cases, so the cost of a process
// that has met the fallback is visible too.
import { Bench } from 'tinybench';
import { Decimal } from '../shared/money/decimal';
import { add, cmp, mul, parseFixed, type Fixed } from '../shared/money/fixed';

const BATCH = 1024;
const ROUNDS = 5;

// Realistic inputs, cycled so each batch sees several scales and both cmp outcomes.
const PRICES = ['190.05', '190.00', '189.9', '0.5', '1234.5678', '100', '42.125', '7.01'];
const QTYS = ['100', '30', '0.5', '12.25', '1', '250', '3', '1000'];
const fp = PRICES.map(parseFixed);
const fq = QTYS.map(parseFixed);
const dp = PRICES.map((p) => new Decimal(p));
const dq = QTYS.map((q) => new Decimal(q));
// 30 significant digits: mantissas beyond 2^53, so every op takes the BigInt path.
const BIG = ['123456789012345678.123456789012', '987654321098765432.5', '-99999999999999999.999999999999', '5000000000000000.000000000001'];

const fixedOut: Fixed[] = new Array<Fixed>(BATCH);
const decimalOut: Decimal[] = new Array<Decimal>(BATCH);
const cmpOut: number[] = new Array<number>(BATCH).fill(0);

// x[i & 7] and y[(i >> 3) & 7] walk all 64 pairs of the 8 inputs.
type Case = { op: string; fixed: () => void; decimal: () => void };
const ordinary: Case[] = [
  {
    op: 'loop overhead (copy input)',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) fixedOut[i] = fp[i & 7]!;
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) decimalOut[i] = dp[i & 7]!;
    },
  },
  {
    op: 'parse "190.05"',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) fixedOut[i] = parseFixed('190.05');
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) decimalOut[i] = new Decimal('190.05');
    },
  },
  {
    op: 'parse mixed prices',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) fixedOut[i] = parseFixed(PRICES[i & 7]!);
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) decimalOut[i] = new Decimal(PRICES[i & 7]!);
    },
  },
  {
    op: 'mul price × qty',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) fixedOut[i] = mul(fp[i & 7]!, fq[(i >> 3) & 7]!);
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) decimalOut[i] = dp[i & 7]!.times(dq[(i >> 3) & 7]!);
    },
  },
  {
    op: 'add price + price',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) fixedOut[i] = add(fp[i & 7]!, fp[(i >> 3) & 7]!);
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) decimalOut[i] = dp[i & 7]!.plus(dp[(i >> 3) & 7]!);
    },
  },
  {
    op: 'cmp price vs price',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) cmpOut[i] = cmp(fp[i & 7]!, fp[(i >> 3) & 7]!);
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) cmpOut[i] = dp[i & 7]!.cmp(dp[(i >> 3) & 7]!);
    },
  },
];

const fb = BIG.map(parseFixed);
const db = BIG.map((b) => new Decimal(b));
const fallback: Case[] = [
  {
    op: 'parse 30-digit (BigInt)',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) fixedOut[i] = parseFixed(BIG[i & 3]!);
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) decimalOut[i] = new Decimal(BIG[i & 3]!);
    },
  },
  {
    op: 'mul 30-digit (BigInt)',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) fixedOut[i] = mul(fb[i & 3]!, fb[(i >> 2) & 3]!);
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) decimalOut[i] = db[i & 3]!.times(db[(i >> 2) & 3]!);
    },
  },
  {
    op: 'add 30-digit (BigInt)',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) fixedOut[i] = add(fb[i & 3]!, fb[(i >> 2) & 3]!);
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) decimalOut[i] = db[i & 3]!.plus(db[(i >> 2) & 3]!);
    },
  },
  {
    op: 'cmp 30-digit (BigInt)',
    fixed: () => {
      for (let i = 0; i < BATCH; i++) cmpOut[i] = cmp(fb[i & 3]!, fb[(i >> 2) & 3]!);
    },
    decimal: () => {
      for (let i = 0; i < BATCH; i++) cmpOut[i] = db[i & 3]!.cmp(db[(i >> 2) & 3]!);
    },
  },
];

/** Median ns/op per task name over ROUNDS rounds of the given tasks. */
async function measure(tasks: [name: string, fn: () => void][]): Promise<Map<string, number>> {
  const samples = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ name: 'fixed', time: 200, warmupTime: round === 0 ? 200 : 30 });
    for (const [name, fn] of tasks) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (!result || !('latency' in result)) throw new Error(`${task.name} produced no result`);
      samples.set(task.name, [...(samples.get(task.name) ?? []), (result.latency.p50 * 1e6) / BATCH]);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  return new Map([...samples].map(([name, xs]) => [name, median(xs)]));
}

const both = (cases: Case[]): [string, () => void][] =>
  cases.flatMap((c): [string, () => void][] => [
    [`fixed ${c.op}`, c.fixed],
    [`decimal ${c.op}`, c.decimal],
  ]);

const first = await measure(both(ordinary));
const big = await measure(both(fallback));
const again = await measure(ordinary.map((c): [string, () => void] => [`fixed ${c.op}`, c.fixed]));

const f = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1));
const row = (c: Case, m: Map<string, number>, after?: Map<string, number>) => {
  const fixed = m.get(`fixed ${c.op}`) ?? Number.NaN;
  const decimal = m.get(`decimal ${c.op}`) ?? Number.NaN;
  return {
    op: c.op,
    'Fixed ns/op': f(fixed),
    'decimal.js ns/op': f(decimal),
    speedup: `${(decimal / fixed).toFixed(1)}×`,
    'Fixed ns/op after BigInt seen': f(after?.get(`fixed ${c.op}`)),
  };
};
console.log(`Fixed vs decimal.js, ns per operation (median of ${ROUNDS} rounds, batches of ${BATCH}, ${process.version})`);
console.table([...ordinary.map((c) => row(c, first, again)), ...fallback.map((c) => row(c, big))]);
