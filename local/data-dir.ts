// A local run's data directory (`npm start -- --data-dir <dir>`): what outlives the process, so a run killed
// mid-trading can be resumed (`--resume`). It owns the layout: `run.json` (the table name, account and seed,
// stable for the directory's life), `dynamodb/` (DynamoDB Local's -dbPath), `broker.json` (the simulated venue's
// whole state) and `dynamodb.pid` (the JVM, which runs detached and so survives a SIGKILL of the run).
// Invariant: every file is replaced by writing a temporary file and renaming it, so a kill never leaves a torn one.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimulatedBrokerState } from '../adapters/broker/simulated-broker';

/** What identifies a run within its directory: resuming reuses all three. */
export interface RunRecord {
  tableName: string;
  account: string;
  seed: number;
  createdAt: string;
}

export interface DataDir {
  path: string;
  /** True when the directory already held a run that this process goes on with. */
  resume: boolean;
  /** DynamoDB Local's -dbPath. */
  dynamoPath: string;
  /** The table this directory's runs use: from run.json on resume, fresh otherwise (written by recordRun). */
  tableName: string;
  /** The venue as the last process left it (resume only). */
  brokerState: SimulatedBrokerState | undefined;
  /** Replaces broker.json; synchronous, so the venue's answer is on disk before anyone acts on it. */
  saveBroker: (state: SimulatedBrokerState) => void;
  /** Writes run.json once the table is created and seeded: from then on the directory holds a run. */
  recordRun: (run: Omit<RunRecord, 'tableName' | 'createdAt'>) => void;
  /** Remembers the JVM's pid, so a later resume can stop one a crash left behind. */
  recordDynamoPid: (pid: number | undefined) => void;
}

const RUN_FILE = 'run.json';
const BROKER_FILE = 'broker.json';
const PID_FILE = 'dynamodb.pid';

/** Atomic replace: a reader (or a resume after a kill) sees the old file or the new one, never half of one. */
const writeAtomically = (file: string, text: string): void => {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
};

/** The run recorded in `dir`, or undefined when it holds none. */
export const readRunRecord = (dir: string): RunRecord | undefined => {
  const file = join(resolve(dir), RUN_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunRecord) : undefined;
};

/** Why `--data-dir <dir>` (with or without --resume) cannot be used, as one line; undefined when it can. */
export const dataDirProblem = (dir: string, resume: boolean): string | undefined => {
  const held = readRunRecord(dir);
  if (resume && !held) return `--resume: ${dir} holds no run to resume (no ${RUN_FILE}); start one with --data-dir ${dir} alone`;
  if (!resume && held) return `--data-dir: ${dir} already holds a run (table ${held.tableName}); add --resume to go on with it, or name an empty directory`;
  return undefined;
};

export const openDataDir = (dir: string, resume: boolean): DataDir => {
  const path = resolve(dir);
  const dynamoPath = join(path, 'dynamodb');
  mkdirSync(dynamoPath, { recursive: true });
  const held = resume ? readRunRecord(path) : undefined;
  if (resume && !held) throw new Error(`--resume: ${dir} holds no run to resume`);
  const brokerFile = join(path, BROKER_FILE);
  const tableName = held?.tableName ?? `trading-local-${randomBytes(3).toString('hex')}`;
  return {
    path,
    resume,
    dynamoPath,
    tableName,
    brokerState: resume && existsSync(brokerFile) ? (JSON.parse(readFileSync(brokerFile, 'utf8')) as SimulatedBrokerState) : undefined,
    saveBroker: (state) => writeAtomically(brokerFile, JSON.stringify(state)),
    recordRun: (run) => writeAtomically(join(path, RUN_FILE), `${JSON.stringify({ tableName, ...run, createdAt: new Date().toISOString() }, null, 2)}\n`),
    recordDynamoPid: (pid) => {
      if (pid !== undefined) writeAtomically(join(path, PID_FILE), `${pid}\n`);
    },
  };
};

/** The pid the last DynamoDB Local on this directory ran as, if recorded. */
export const recordedDynamoPid = (dir: string): number | undefined => {
  const file = join(resolve(dir), PID_FILE);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
};

/** Whether a process with this pid is running (signal 0 checks without signalling). */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Stops a DynamoDB Local a killed run left on this directory (detached, it outlives its parent), so two JVMs
 * never write the same files. Only a process whose command line names this directory's -dbPath is killed (a
 * recycled pid is left alone); where /proc is missing nothing is checked and nothing killed.
 */
export const stopStaleDynamo = async (data: DataDir): Promise<void> => {
  const pid = recordedDynamoPid(data.path);
  if (pid === undefined) return;
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (!command.includes(data.dynamoPath)) return;
  // SIGTERM first: DynamoDB Local commits a transaction a moment after answering it; a shutdown finishes it.
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
};

/** What a session's infrastructure and venue take from the directory: its table (kept on resume) and the venue's state and saver. */
export const persistenceOf = (data: DataDir | undefined) =>
  data
    ? {
        table: { name: data.tableName, exists: data.resume },
        venue: { venue: { ...(data.brokerState ? { state: data.brokerState } : {}), persist: data.saveBroker } },
      }
    : { table: undefined, venue: {} };
