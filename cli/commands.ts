// The operator CLI's commands (`npx tsp …`): each one request to the kill-switch API, its answer printed for a
// person (or as JSON with --json), and an exit code a script can act on: 0 done, 1 refused or failed, 3 done
// in part (a step failed: the answer names it). Targets: --local <url> --as <person> for the local API, or
// --env <env> for a deployed one (its URL from the stack's outputs, or --api-url), signed with SigV4.
import { Command, CommanderError, Option } from 'commander';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { ENVIRONMENT_NAMES } from '../shared/config/environments';
import { localApi, OperatorCliError, regionOfApiUrl, signedApi, type ApiResponse, type OperatorApi } from './operator-api';
import { describeAnswer, describeStatus, describeTimeline } from './render';
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

  withTarget(program.command('status').description("an account's trading state, kill switch, intake, breaker, open orders and last reconciliation"))
    .requiredOption('--account <account>', 'the account')
    .action(async (options: TargetOptions & { account: string }) => {
      const api = await apiFor(options, io);
      const answer = await api.send({ method: 'GET', path: '/status', query: { account: options.account } });
      exit(report(io, 'status', answer, options.json, describeStatus));
    });

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
  return program;
};

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
