// The operator CLI's commands (`npx tsp …`): each one request to the kill-switch API, its answer printed for a
// person (or as JSON with --json), and an exit code a script can act on: 0 done, 1 refused or failed, 3 done
// in part (a step failed: the answer names it). Targets: --local <url> --as <person> for the local API, or
// --env <env> for a deployed one (its URL from the stack's outputs, or --api-url), signed with SigV4.
import { Command, CommanderError, Option } from 'commander';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { ENVIRONMENT_NAMES } from '../shared/config/environments';
import { localApi, OperatorCliError, regionOfApiUrl, signedApi, type ApiResponse, type OperatorApi } from './operator-api';
import { readFileSync } from 'node:fs';
import type * as z from 'zod';
import { issuesOf } from '../shared/errors/zod-issues';
import { ReferenceDocumentSchema } from '../shared/feed/reference-load';
import { RiskLimitsOverrideSchema } from '../shared/risk/limits';
import { describeAnswer, describeLimits, describeStatus, describeStrategySwitch, describeTimeline } from './render';
import { findApiUrl } from './stack-endpoint';

/** What the CLI touches outside itself: injectable so tests run it in-process. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
  /** The credential chain; the standard one (environment, profile, SSO, instance role) otherwise. */
  credentials?: AwsCredentialIdentityProvider;
  findApiUrl?: (env: string) => Promise<string>;
}

/** The environments reached in AWS; the local one is reached with --local. */
const DEPLOYABLE = ENVIRONMENT_NAMES.filter((name) => name !== 'local');

interface TargetOptions {
  local?: string;
  as?: string;
  env?: string;
  apiUrl?: string;
  region?: string;
  json?: boolean;
}

const withTarget = (command: Command): Command =>
  command
    .option('--local <url>', 'the local API of `npm start -- --api-port <n>`, e.g. http://127.0.0.1:8799')
    .option('--as <person>', 'with --local: the person acting (a local operator name)')
    .addOption(new Option('--env <env>', 'a deployed environment: its API is found from the stack TradingSafety-<env>').choices(DEPLOYABLE))
    .option('--api-url <url>', 'with --env: the API URL, instead of reading the stack outputs')
    .option('--region <region>', 'with --env: the region to sign for (default: from the URL, AWS_REGION)')
    .option('--json', 'print the API answer as JSON');

/** The API a command talks to, from its target options. */
const apiFor = async (options: TargetOptions, io: CliIo): Promise<OperatorApi> => {
  if (options.local && options.env) throw new OperatorCliError('give either --local or --env, not both');
  if (options.local) {
    if (!options.as) throw new OperatorCliError('--local needs --as <person>: locally the person acting is named, not signed');
    return localApi(options.local, options.as, io.fetch);
  }
  if (!options.env) throw new OperatorCliError('name a target: --local <url> --as <person>, or --env dev|staging|prod');
  if (options.as) throw new OperatorCliError('--as is for the local API only: in AWS the person is the signing identity');
  const url = options.apiUrl ?? (await (io.findApiUrl ?? findApiUrl)(options.env));
  const region = options.region ?? regionOfApiUrl(url) ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (!region) throw new OperatorCliError(`no region to sign for: ${url} names none; pass --region or set AWS_REGION`);
  return signedApi(url, { region, credentials: io.credentials ?? fromNodeProviderChain(), ...(io.fetch ? { fetch: io.fetch } : {}) });
};

/** 0 done, 3 done in part, 1 otherwise. */
const exitOf = (answer: ApiResponse): number => (answer.status === 207 ? 3 : answer.status >= 200 && answer.status < 300 ? 0 : 1);

const report = (io: CliIo, command: string, answer: ApiResponse, json: boolean | undefined, human: (body: unknown) => string[]): number => {
  const code = exitOf(answer);
  if (json) io.out(JSON.stringify(answer.body, null, 2));
  else if (code === 1) io.err(describeAnswer(command, answer).join('\n'));
  else io.out(human(answer.body).join('\n'));
  return code;
};

/** A command that reads one account: GET <path>?account=…, printed by `human`. */
const readAccount = (command: Command, path: string, io: CliIo, exit: (code: number) => void, human: (body: unknown) => string[]): void => {
  const name = [command.parent?.parent ? command.parent.name() : '', command.name()].filter(Boolean).join(' ');
  withTarget(command)
    .requiredOption('--account <account>', 'the account')
    .action(async (options: TargetOptions & { account: string }) => {
      const api = await apiFor(options, io);
      const answer = await api.send({ method: 'GET', path, query: { account: options.account } });
      exit(report(io, name, answer, options.json, human));
    });
};

/** The account-changing commands: POST <path> with the account and a reason, as the API's routes take them. */
const ACTIONS = [
  { name: 'kill', path: '/kill-switch', summary: 'kill an account: trading KILLED, intake stopped, open orders cancelled, on-call paged' },
  { name: 'release', path: '/kill-switch/release', summary: "release a kill (another person than the one who killed; needs a clean reconciliation since the kill)" },
  { name: 'approve', path: '/breaker/approve', summary: "approve the breaker's recovery back to ACTIVE (a third person)" },
  { name: 'reject', path: '/breaker/reject', summary: "reject the breaker's recovery: trading stays HALTED" },
  { name: 'reenable', path: '/execution/reenable', summary: 'lift an execution-throttle trip (the account scope, or --strategy)' },
  { name: 'flatten', path: '/flatten', summary: 'close every position of a stopped account with market orders' },
  { name: 'arm', path: '/arm', summary: 'bring a new account up: ACTIVE once its data and reconciliation are in place' },
] as const;

export const buildProgram = (io: CliIo, exit: (code: number) => void): Command => {
  const program = new Command('tsp')
    .description('Operate the trading-safety pipeline through its kill-switch API (local or deployed).')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  readAccount(program.command('status').description("an account's trading state, kill switch, intake, breaker, open orders and last reconciliation"), '/status', io, exit, describeStatus);

  withTarget(program.command('timeline').description("an account's audit trail for a period (at most 7 days) or of one order, as Markdown for a post-mortem (or --json)"))
    .requiredOption('--account <account>', 'the account')
    .option('--order <intentId>', 'one order: its intent id')
    .option('--from <instant>', 'the period start, an ISO instant such as 2026-03-10T14:30:00.000Z')
    .option('--to <instant>', 'the period end (exclusive), an ISO instant')
    .action(async (options: TargetOptions & { account: string; order?: string; from?: string; to?: string }) => {
      const api = await apiFor(options, io);
      const query = { account: options.account, ...(options.order ? { order: options.order } : {}), ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) };
      const answer = await api.send({ method: 'GET', path: '/timeline', query });
      exit(report(io, 'timeline', answer, options.json, describeTimeline));
    });

  for (const action of ACTIONS) {
    const command = withTarget(program.command(action.name).description(action.summary))
      .requiredOption('--account <account>', 'the account')
      .requiredOption('--reason <text>', 'why: kept in the audit trail');
    if (action.name === 'reenable') command.option('--strategy <name>', 'the strategy whose trip to lift (default: the account scope)');
    command.action(async (options: TargetOptions & { account: string; reason: string; strategy?: string }) => {
      const api = await apiFor(options, io);
      const body = { account: options.account, reason: options.reason, ...(options.strategy ? { strategy: options.strategy } : {}) };
      const answer = await api.send({ method: 'POST', path: action.path, body });
      exit(report(io, action.name, answer, options.json, (b) => describeAnswer(action.name, { status: answer.status, body: b })));
    });
  }
  const strategy = program.command('strategy').description("stop one strategy of an account without stopping the account (or let it trade again)");
  for (const [name, summary] of [
    ['disable', "switch the strategy off: risk denies its intents (STRATEGY_DISABLED), the feed stops calling it, its open orders are cancelled (only its own)"],
    ['enable', 'switch a disabled strategy on again'],
  ] as const) {
    withTarget(strategy.command(name).description(summary).argument('<strategy>', 'the strategy, by the name it trades under'))
      .requiredOption('--account <account>', 'the account')
      .requiredOption('--reason <text>', 'why: kept in the audit trail')
      .action(async (strategyName: string, options: TargetOptions & { account: string; reason: string }) => {
        const api = await apiFor(options, io);
        const answer = await api.send({ method: 'POST', path: `/strategy/${name}`, body: { account: options.account, strategy: strategyName, reason: options.reason } });
        exit(report(io, `strategy ${name}`, answer, options.json, (b) => describeStrategySwitch(name, b)));
      });
  }
  addLimitsCommands(program, io, exit);
  addReferenceCommands(program, io, exit);
  return program;
};

/** A JSON file the operator names, validated against `schema` before any request: errors name the file and the field. */
const readDocument = <T>(file: string, schema: z.ZodType<T>, what: string): T => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new OperatorCliError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OperatorCliError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new OperatorCliError(`${file} is not ${what}: ${issuesOf(parsed.error).map((i) => `${i.path}: ${i.rule}`).join('; ')}`);
  return parsed.data;
};

const addLimitsCommands = (program: Command, io: CliIo, exit: (code: number) => void): void => {
  const limits = program.command('limits').description("an account's risk limits: the override on top of the environment's defaults");
  readAccount(limits.command('show').description('the override as stored, its version, and the limits in force'), '/limits', io, exit, describeLimits);
  withTarget(limits.command('set').description("replace the account's override with a file's (validated against the limits schema here and again, with the defaults, before it is written)"))
    .requiredOption('--account <account>', 'the account')
    .requiredOption('--file <path>', 'the override: a JSON object with any fields of the limits document (docs/risk-controls.md)')
    .requiredOption('--reason <text>', 'why: kept in the audit trail with the override before and after')
    .option('--expected-version <n>', 'the version `limits show` printed: refused if the override changed since (needed once an override exists)')
    .action(async (options: TargetOptions & { account: string; file: string; reason: string; expectedVersion?: string }) => {
      const override = readDocument(options.file, RiskLimitsOverrideSchema, 'a limits override');
      const api = await apiFor(options, io);
      const expectedVersion = options.expectedVersion;
      if (expectedVersion === undefined) {
        // Without a version the person has not seen the current override: allowed only when there is none.
        const current = await api.send({ method: 'GET', path: '/limits', query: { account: options.account } });
        if (current.status !== 200) return exit(report(io, 'limits set', current, options.json, describeLimits));
        const version = (current.body as { version?: unknown }).version;
        if (typeof version === 'string') throw new OperatorCliError(`${options.account} has an override at version ${version}: review it (tsp limits show) and pass --expected-version ${version}`);
      }
      const body = { account: options.account, limits: override, reason: options.reason, ...(expectedVersion !== undefined ? { expectedVersion } : {}) };
      const answer = await api.send({ method: 'PUT', path: '/limits', body });
      exit(report(io, 'limits set', answer, options.json, (b) => [`limits set: ${str(b, 'account')} changed by ${str(b, 'changedBy')} at ${str(b, 'at')}`]));
    });
};

const addReferenceCommands = (program: Command, io: CliIo, exit: (code: number) => void): void => {
  const reference = program.command('reference').description("reference data (average daily volume, sector) the risk checks read");
  withTarget(reference.command('load').description("load a file of reference data for its symbols (the feed's next refresh replaces what it fetches itself)").argument('<file>', 'JSON: { "AAPL": { "adv": "48000000", "sector": "TECHNOLOGY" }, … }'))
    .requiredOption('--reason <text>', 'why: kept in the audit trail of every account')
    .action(async (file: string, options: TargetOptions & { reason: string }) => {
      const document = readDocument(file, ReferenceDocumentSchema, 'a reference document');
      const api = await apiFor(options, io);
      const answer = await api.send({ method: 'POST', path: '/reference', body: { reference: document, reason: options.reason } });
      exit(report(io, 'reference load', answer, options.json, (b) => [`reference load: ${(b as { symbols?: string[] }).symbols?.join(', ') ?? '-'} loaded by ${str(b, 'loadedBy')} at ${str(b, 'at')}`]));
    });
};

const str = (body: unknown, key: string): string => String((body as Record<string, unknown> | null)?.[key] ?? '-');

/** Runs the CLI on `argv` (without node and the script); resolves to the exit code. */
export const runCli = async (argv: readonly string[], io: CliIo): Promise<number> => {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof OperatorCliError) {
      io.err(`tsp: ${error.message}`);
      return 1;
    }
    io.err(`tsp: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
};
