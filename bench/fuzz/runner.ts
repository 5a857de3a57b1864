// The fuzz runner shared by every entry point: draws the inputs from a target's fast-check arbitrary (one seed,
// so a run can be repeated), sends them one at a time, and tallies each as accepted, rejected with a clear
// error, or a crash; a rejected input after which the target's state differs is a partial write.
// Invariant: an input is a crash unless the target proved it was handled (an outcome, or an error naming a field
// and a rule); the runner never decides in a target's favour.
import fc from 'fast-check';

/** How an input was built: arbitrary garbage, a valid input, or a valid one with exactly one field wrong. */
export type CaseKind = 'garbage' | 'valid' | 'oneWrong';

export interface FuzzCase<I> {
  kind: CaseKind;
  /** What was changed, for a oneWrong case (e.g. "replace detail.data.quantity with \"NaN\""). */
  mutation?: string;
  input: I;
}

/** What the entry point did with one input. */
export type Verdict =
  | { kind: 'accepted'; outcome: string }
  | { kind: 'rejected'; error: string }
  | { kind: 'crash'; error: string; stack?: string };

/** The state a rejected input must leave untouched: a table, a queue, a validator's memory. */
export interface StateWatch {
  /** Called before each input is sent. */
  before(): Promise<void>;
  /** Called after each input; for a rejected one, a description of how the state differs from before(), if it does. */
  after(rejected: boolean): Promise<string | undefined>;
}

export interface FuzzTarget<I> {
  name: string;
  arbitrary: fc.Arbitrary<FuzzCase<I>>;
  /** Inputs per epoch: each epoch starts from fresh state (a new table), which keeps every snapshot small. */
  epochSize: number;
  startEpoch(epoch: number): Promise<void>;
  /** State an input refers to (an approval it answers), put in place before the snapshot; not part of the input. */
  prepare?(input: I): Promise<void>;
  send(input: I): Promise<Verdict>;
  watch: StateWatch;
  /** What partialWrites means for this entry point, when it is not "the table changed". */
  notes?: string[];
  close(): Promise<void>;
}

export interface Example {
  index: number;
  kind: CaseKind;
  mutation?: string;
  input: string;
  error: string;
  stack?: string;
}

export interface EntryReport {
  inputs: number;
  accepted: number;
  rejected: number;
  crashes: number;
  partialWrites: number;
  byKind: Record<CaseKind, { inputs: number; accepted: number; rejected: number; crashes: number }>;
  /** Accepted inputs by the outcome the entry point gave (approved, denied, 200, relayed...). */
  outcomes: Record<string, number>;
  durationMs: number;
  /** Crashes by their error, ids and numbers blanked, so one bug met many times reads as one line. */
  crashKinds: Record<string, number>;
  crashExamples: Example[];
  partialWriteExamples: Example[];
  notes: string[];
}

export interface RunOptions {
  runs: number;
  seed: number;
  /** Longest an input may take before it counts as a crash (a hang). */
  timeoutMs?: number;
  onProgress?: (done: number) => void;
}

const MAX_EXAMPLES = 5;
const shown = (value: unknown, limit = 600): string => {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit - 3)}...` : text;
};

/** A thrown value as a crash: its message and stack, whatever it is. */
export const crashOf = (error: unknown): Verdict => {
  if (error instanceof Error) return { kind: 'crash', error: `${error.name}: ${error.message}`, stack: error.stack };
  return { kind: 'crash', error: `non-Error thrown: ${shown(error, 200)}` };
};

/** A rejection is clear when it names at least one field and a rule for each. */
export const clearIssues = (issues: unknown): string | undefined => {
  if (!Array.isArray(issues) || issues.length === 0) return undefined;
  const parts: string[] = [];
  for (const issue of issues) {
    const { path, rule } = (issue ?? {}) as { path?: unknown; rule?: unknown };
    if (typeof path !== 'string' || path === '' || typeof rule !== 'string' || rule.trim() === '') return undefined;
    parts.push(`${path}: ${rule}`);
  }
  return parts.join('; ');
};

const withTimeout = async (work: Promise<Verdict>, ms: number): Promise<Verdict> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Verdict>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'crash', error: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

const emptyReport = (notes: string[]): EntryReport => ({
  inputs: 0,
  accepted: 0,
  rejected: 0,
  crashes: 0,
  partialWrites: 0,
  byKind: {
    garbage: { inputs: 0, accepted: 0, rejected: 0, crashes: 0 },
    valid: { inputs: 0, accepted: 0, rejected: 0, crashes: 0 },
    oneWrong: { inputs: 0, accepted: 0, rejected: 0, crashes: 0 },
  },
  outcomes: {},
  durationMs: 0,
  crashKinds: {},
  crashExamples: [],
  partialWriteExamples: [],
  notes,
});

/** Sends `runs` inputs to the target and tallies them; the target is closed at the end, whatever happened. */
export const fuzzTarget = async <I>(target: FuzzTarget<I>, options: RunOptions): Promise<EntryReport> => {
  const report = emptyReport(target.notes ?? []);
  const started = performance.now();
  const cases = fc.sample(target.arbitrary, { seed: options.seed, numRuns: options.runs });
  try {
    for (const [index, c] of cases.entries()) {
      if (index % target.epochSize === 0) await target.startEpoch(index / target.epochSize);
      await target.prepare?.(c.input);
      await target.watch.before();
      const verdict = await withTimeout(
        target.send(c.input).catch((error: unknown) => crashOf(error)),
        options.timeoutMs ?? 10_000,
      );
      const example = (error: string, stack?: string): Example => ({
        index,
        kind: c.kind,
        ...(c.mutation !== undefined ? { mutation: c.mutation } : {}),
        input: shown(c.input),
        error,
        ...(stack !== undefined ? { stack } : {}),
      });
      if (verdict.kind !== 'rejected') await target.watch.after(false);
      report.inputs++;
      report.byKind[c.kind].inputs++;
      if (verdict.kind === 'accepted') {
        report.accepted++;
        report.byKind[c.kind].accepted++;
        report.outcomes[verdict.outcome] = (report.outcomes[verdict.outcome] ?? 0) + 1;
      } else if (verdict.kind === 'rejected') {
        report.rejected++;
        report.byKind[c.kind].rejected++;
        const change = await target.watch.after(true);
        if (change !== undefined) {
          report.partialWrites++;
          if (report.partialWriteExamples.length < MAX_EXAMPLES) report.partialWriteExamples.push(example(`${verdict.error} — yet ${change}`));
        }
      } else {
        report.crashes++;
        report.byKind[c.kind].crashes++;
        const crashKind = verdict.error.slice(0, 120).replace(/fz-\d+|\d+/g, '#');
        report.crashKinds[crashKind] = (report.crashKinds[crashKind] ?? 0) + 1;
        if (report.crashExamples.length < MAX_EXAMPLES) report.crashExamples.push(example(verdict.error, verdict.stack));
      }
      options.onProgress?.(index + 1);
    }
  } finally {
    report.durationMs = Math.round(performance.now() - started);
    await target.close();
  }
  return report;
};

/** The run fails when an entry point crashed, wrote on a rejection, or got fewer inputs than asked. */
export const failuresOf = (reports: Readonly<Record<string, EntryReport>>, runs: number): string[] =>
  Object.entries(reports).flatMap(([name, r]) => [
    ...(r.crashes > 0 ? [`${name}: ${r.crashes} crash(es)`] : []),
    ...(r.partialWrites > 0 ? [`${name}: ${r.partialWrites} partial write(s)`] : []),
    ...(r.inputs < runs ? [`${name}: ${r.inputs} inputs, fewer than the ${runs} asked`] : []),
  ]);

/** A mix in which most inputs reach the deep paths: 20% garbage, 35% valid, 45% valid with one field wrong. */
export const mixOf = <I>(garbage: fc.Arbitrary<I>, valid: fc.Arbitrary<I>, oneWrong: fc.Arbitrary<{ input: I; mutation: string }>): fc.Arbitrary<FuzzCase<I>> =>
  fc.oneof(
    { weight: 20, arbitrary: garbage.map((input): FuzzCase<I> => ({ kind: 'garbage', input })) },
    { weight: 35, arbitrary: valid.map((input): FuzzCase<I> => ({ kind: 'valid', input })) },
    { weight: 45, arbitrary: oneWrong.map(({ input, mutation }): FuzzCase<I> => ({ kind: 'oneWrong', mutation, input })) },
  );
