// The restore procedure's copy-back step (docs/disaster-recovery.md, step 5), run by `npm run restore:copy-back --
// --table <stack table> --restored <restored table> --account <a>` (cli/restore-copy-back.ts). Without --apply it
// only reads: it prints, per ledger item type, what it would put and delete. With --apply (and --reason) it makes
// those writes, each transaction conditional on the account being KILLED, audits who ran it, then reads the stack's
// ledger again to show it equals the restored one. Exit 0 done (or nothing to do); 1 refused or failed before any write;
// 3 done in part (running it again finishes); 64 a bad command line.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parseArgs } from 'node:util';
import { AccountNotKilledError, applyCopyBack, CopyBackWriteError, planCopyBack, readLedger, type CopyBackPlan } from '../adapters/dynamodb/ledger-restore';
import { auditEntry } from '../shared/audit/audit-entry';
import { listed } from './restore-comparison';

export const USAGE =
  'usage: npm run restore:copy-back -- --table <name> --restored <name> --account <a> [--apply --reason <text>] [--region <region>] [--endpoint <url>] [--as <name> (DynamoDB Local only)] [--keys <n>] [--json]';

/** How many keys of each kind a type lists by default. */
const DEFAULT_KEYS = 20;

export interface CopyBackIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** The client for a region and endpoint; the SDK's default (its credential chain) otherwise. */
  dynamo?: (options: { region?: string; endpoint?: string }) => DynamoDBClient;
  /** Who the credentials belong to (STS GetCallerIdentity's ARN by default). */
  whoAmI?: (options: { region?: string }) => Promise<string>;
  now?: () => Date;
}

const callerArn = async (options: { region?: string }): Promise<string> => {
  const sts = new STSClient(options);
  try {
    const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
    if (!Arn) throw new Error('STS named no caller');
    return Arn;
  } finally {
    sts.destroy();
  }
};

interface Args {
  table: string;
  restored: string;
  account: string;
  apply: boolean;
  reason?: string;
  region?: string;
  endpoint?: string;
  as?: string;
  keys: number;
  json: boolean;
}

/**
 * An endpoint on this machine: DynamoDB Local, where a person names themselves (--as). Anywhere else the audit names
 * the identity that signs, so nobody records a copy-back as someone else's.
 */
const isLoopback = (endpoint: string | undefined): boolean => {
  if (!endpoint) return false;
  try {
    return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(endpoint).hostname);
  } catch {
    return false;
  }
};

/** The command line, or the line saying what is wrong with it. */
const parse = (argv: string[]): Args | string => {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        table: { type: 'string' },
        restored: { type: 'string' },
        account: { type: 'string' },
        apply: { type: 'boolean' },
        reason: { type: 'string' },
        region: { type: 'string' },
        endpoint: { type: 'string' },
        as: { type: 'string' },
        keys: { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const text = (name: string): string | undefined => (typeof values[name] === 'string' && values[name] !== '' ? (values[name] as string) : undefined);
  const [table, restored, account] = [text('table'), text('restored'), text('account')];
  const keys = Number(text('keys') ?? DEFAULT_KEYS);
  if (!table || !restored || !account) return '--table, --restored and --account are all required';
  if (table === restored) return `--table and --restored name the same table (${table}): a restore goes into a new table`;
  if (values.apply === true && !text('reason')) return '--apply needs --reason <text>, kept in the audit trail';
  const local = isLoopback(text('endpoint'));
  if (text('as') && !local) return '--as names the person only against DynamoDB Local (a loopback --endpoint); against AWS the identity that signs is the one audited';
  if (local && !text('as') && values.apply === true) return '--apply against DynamoDB Local needs --as <name> (there is no STS to ask who you are)';
  if (!Number.isInteger(keys) || keys < 0) return '--keys must be a whole number (keys listed per type and kind)';
  return { table, restored, account, apply: values.apply === true, reason: text('reason'), region: text('region'), endpoint: text('endpoint'), as: text('as'), keys, json: values.json === true };
};

/** The plan for a person: one row per ledger item type, then the keys each write touches. */
export const formatPlan = (args: Pick<Args, 'table' | 'restored' | 'account'>, plan: CopyBackPlan, limit: number): string[] => {
  const width = Math.max(9, ...plan.types.map((t) => t.type.length));
  const row = (cells: (string | number)[]) => cells.map((cell, i) => (i === 0 ? String(cell).padEnd(width) : String(cell).padStart(9))).join('  ');
  const touched = plan.types.filter((t) => t.changed.length + t.missing.length + t.extra.length > 0);
  return [
    `the ledger of ${args.account} in ${args.table} (the stack's), brought to ${args.restored} (restored)`,
    row(['item type', 'stack', 'restored', 'put', 'put back', 'delete']),
    ...plan.types.map((t) => row([t.type, t.stack, t.restored, t.changed.length, t.missing.length, t.extra.length])),
    ...touched.flatMap((t) => [
      `  ${t.type}`,
      ...listed('put (changed since the restore point)', t.changed, limit),
      ...listed('put back (deleted since the restore point)', t.missing, limit),
      ...listed('delete (written since the restore point)', t.extra, limit),
    ]),
  ];
};

/** What the audit entry keeps of a plan: counts per type, not the keys (a plan can name thousands). */
const planCounts = (plan: CopyBackPlan) =>
  Object.fromEntries(plan.types.map((t) => [t.type, { changed: t.changed.length, missing: t.missing.length, extra: t.extra.length }]));

export const runRestoreCopyBack = async (argv: string[], io: CopyBackIo): Promise<number> => {
  const args = parse(argv);
  if (typeof args === 'string') {
    io.err(`${args}\n${USAGE}`);
    return 64;
  }
  const options = { ...(args.region ? { region: args.region } : {}), ...(args.endpoint ? { endpoint: args.endpoint } : {}) };
  const client = io.dynamo ? io.dynamo(options) : new DynamoDBClient(options);
  const step = { name: 'reading the ledgers' };
  try {
    const [stack, restored] = [await readLedger(client, args.table, args.account), await readLedger(client, args.restored, args.account)];
    if (restored.size === 0) {
      io.err(`refused: ${args.restored} holds no ledger item of ${args.account}; copying it back would delete the account's whole ledger (is it the right table and account?)`);
      return 1;
    }
    const plan = planCopyBack(stack, restored);
    if (!args.apply || plan.writes.length === 0) {
      if (args.json) io.out(JSON.stringify({ applied: false, writes: plan.writes.length, types: plan.types }, null, 2));
      else io.out([...formatPlan(args, plan, args.keys), plan.writes.length === 0 ? 'result: the ledgers are equal; nothing to copy back' : `result: ${plan.writes.length} write(s) planned, none made; add --apply --reason <text> to make them`].join('\n'));
      return 0;
    }
    step.name = 'asking who you are';
    const actor = args.as ?? (await (io.whoAmI ?? callerArn)(args.region ? { region: args.region } : {}));
    const runId = `restore-${randomUUID()}`;
    const audit = auditEntry({
      account: args.account,
      occurredAt: (io.now?.() ?? new Date()).toISOString(),
      kind: 'LEDGER_RESTORED',
      actor,
      correlationId: runId,
      causationId: `operator:${actor}`,
      detail: { reason: args.reason, restoredTable: args.restored, writes: plan.writes.length, types: planCounts(plan) },
    });
    step.name = 'copying back';
    const result = await applyCopyBack(client, { tableName: args.table, account: args.account, plan, audit });
    step.name = 'checking the result';
    // The restored table is a restore nobody writes to: the ledger read for the plan stands.
    const after = planCopyBack(await readLedger(client, args.table, args.account), restored);
    const summary = { applied: true, runId, actor, written: result.written, transactions: result.transactions, remaining: after.writes.length, types: plan.types };
    if (args.json) io.out(JSON.stringify(summary, null, 2));
    else {
      io.out(formatPlan(args, plan, args.keys).join('\n'));
      io.out(`copied back: ${result.written} write(s) in ${result.transactions} transaction(s), run ${runId} by ${actor} (audit LEDGER_RESTORED)`);
    }
    if (after.writes.length > 0) {
      io.err(`checking the result: ${after.writes.length} ledger item(s) differ again (${after.types.filter((t) => t.changed.length + t.missing.length + t.extra.length > 0).map((t) => t.type).join(', ')}): something wrote to the account meanwhile; run it again`);
      return 3;
    }
    io.out('result: the ledger equals the restored one, item for item; now reconcile until clean (docs/disaster-recovery.md, step 7)');
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof AccountNotKilledError) {
      io.err(`refused: ${message}`);
      return error.written === 0 ? 1 : 3;
    }
    // Writes were made (all of them, when the check after failed): running it again plans what is left and finishes.
    const partial = (error instanceof CopyBackWriteError && error.written > 0) || step.name === 'checking the result';
    io.err(`restore:copy-back failed while ${step.name}: ${message}${partial ? '; run it again (the account still KILLED) to finish' : ''}`);
    return partial ? 3 : 1;
  } finally {
    client.destroy();
  }
};
