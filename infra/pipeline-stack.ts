// The deployment pipeline (CDK Pipelines on CodePipeline): from the team's Git host through `npm ci`, `npm test`
// and the synth, to dev, to staging followed by a smoke test of its kill-switch API, and to prod after a person approves.
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Stack, type App, type StackProps } from 'aws-cdk-lib';
import { BuildSpec, LinuxBuildImage } from 'aws-cdk-lib/aws-codebuild';
import { PipelineType } from 'aws-cdk-lib/aws-codepipeline';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, CodePipeline, CodePipelineSource, ManualApprovalStep, ShellStep, type IFileSetProducer } from 'aws-cdk-lib/pipelines';
import type { Construct } from 'constructs';
import { loadEnvironmentConfig } from '../shared/config/environments';
import { parsePipelineConfig, PIPELINE_ENVIRONMENTS, type PipelineConfig, type PipelineEnvironment } from '../shared/config/pipeline';
import { withOperatorsFromContext } from './operators-context';
import { TradingStage, type TradingStackFactory } from './trading-stage';

export const PIPELINE_STACK_ID = 'TradingSafetyPipeline';
/** A fixed name, so the role's ARN is known before it exists and staging's operator list can name it. */
export const SMOKE_TEST_ROLE_NAME = 'trading-safety-pipeline-smoke-test';
/** The stage ids, which are also the pipeline's stage names. */
export const STAGE_IDS: Record<PipelineEnvironment, string> = { dev: 'Dev', staging: 'Staging', prod: 'Prod' };

/** The context keys `cdk deploy -c env=<e>` reads; with a pipeline each environment's come from its file. */
const PER_ENVIRONMENT_CONTEXT = ['env', 'operators', 'onCallEmail', 'onCallWebhookUrl'] as const;

/** Node 22 (the repository's engines) in every CodeBuild project: synth, self-mutation, assets and the smoke test. */
const NODE_22 = BuildSpec.fromObject({ version: '0.2', phases: { install: { 'runtime-versions': { nodejs: '22' } } } });

const partitionOf = (region: string): string => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

/** The ARN staging's operator list must name, with only `status`, for the smoke test to be let in. */
export const smokeTestRoleArn = (config: PipelineConfig): string =>
  `arn:${partitionOf(config.pipeline.region)}:iam::${config.pipeline.account}:role/${SMOKE_TEST_ROLE_NAME}`;

/** `path` relative to the repository's root (where `cdk synth` runs), or undefined when it lies outside. */
const inRepository = (path: string): string | undefined => {
  const inside = relative(process.cwd(), resolve(path));
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? undefined : inside.split(sep).join('/');
};

export interface PipelineStackProps extends StackProps {
  config: PipelineConfig;
  /** The configuration file, relative to the repository's root: the synth step synthesizes with it again. */
  configFile: string;
  createStack: TradingStackFactory;
}

export class PipelineStack extends Stack {
  readonly pipeline: CodePipeline;
  readonly stages: Record<PipelineEnvironment, TradingStage>;
  /** The smoke test's CodeBuild role: the one principal of the pipeline that calls the kill-switch API. */
  readonly smokeTestRole: Role;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    const { config, configFile, createStack, ...stackProps } = props;
    super(scope, id, { description: 'Trading-safety deployment pipeline: dev, staging (smoke-tested), prod (approved)', ...stackProps, env: config.pipeline });
    const source = CodePipelineSource.connection(config.repository, config.branch, { connectionArn: config.connectionArn });
    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName: 'TradingSafety',
      // The current pipeline type (left unset, CDK picks the legacy V1 and warns).
      pipelineType: PipelineType.V2,
      synth: new ShellStep('Synth', { input: source, commands: ['npm ci', 'npm test', `npx cdk synth -c pipeline=${configFile}`] }),
      // A change to the pipeline (a new stage, a new step) applies itself before it deploys anything.
      selfMutation: true,
      // An environment in another account needs the artifact bucket's key shared with it.
      crossAccountKeys: PIPELINE_ENVIRONMENTS.some((name) => config.environments[name].account !== config.pipeline.account),
      codeBuildDefaults: { buildEnvironment: { buildImage: LinuxBuildImage.STANDARD_7_0 }, partialBuildSpec: NODE_22 },
    });
    this.smokeTestRole = new Role(this, 'SmokeTestRole', {
      roleName: SMOKE_TEST_ROLE_NAME,
      assumedBy: new ServicePrincipal('codebuild.amazonaws.com'),
      description: "The pipeline's smoke test: calls staging's kill-switch API GET /status, as an operator holding only status",
    });

    const stage = (name: PipelineEnvironment): TradingStage => {
      const { account, region, availabilityZones, ...settings } = config.environments[name];
      return new TradingStage(this, STAGE_IDS[name], { environment: name, env: { account, region }, availabilityZones, settings, createStack });
    };
    this.stages = { dev: stage('dev'), staging: stage('staging'), prod: stage('prod') };
    this.pipeline.addStage(this.stages.dev);
    this.pipeline.addStage(this.stages.staging, { post: [this.smokeTest(config, source)] });
    this.pipeline.addStage(this.stages.prod, {
      pre: [new ManualApprovalStep('PromoteToProd', { comment: "Staging runs this change and its kill-switch API answered GET /status. Promote it to prod, which trades real money?" })],
    });
  }

  /**
   * After staging is deployed: `tsp status` against its kill-switch API, signed as the smoke-test role. It proves
   * the API is up, IAM-authorized and reading the table; it changes nothing (the role may only read the status).
   */
  private smokeTest(config: PipelineConfig, source: IFileSetProducer): CodeBuildStep {
    const { account, region } = config.environments.staging;
    const tradingAccount = loadEnvironmentConfig('staging').accounts[0];
    return new CodeBuildStep('SmokeTest', {
      input: source,
      role: this.smokeTestRole,
      rolePolicyStatements: [
        // Any API of staging's account (its id is not known here), only its status route; the API's resource policy
        // lets the role in only because staging's operator list names it.
        new PolicyStatement({ actions: ['execute-api:Invoke'], resources: [`arn:${partitionOf(region)}:execute-api:${region}:${account}:*/*/GET/status`] }),
      ],
      envFromCfnOutputs: { KILL_SWITCH_API_URL: this.stages.staging.killSwitchApiUrl },
      commands: ['npm ci', `npx tsp status --env staging --api-url "$KILL_SWITCH_API_URL" --account ${tradingAccount} --json`],
    });
  }
}

/** The file's configuration, validated; throws naming the file and every field at fault. */
export const readPipelineConfig = (file: string): PipelineConfig => {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`-c pipeline=${file}: ${code ? `cannot read the file (${code})` : `is not valid JSON (${(error as Error).message})`}`, { cause: error });
  }
  return parsePipelineConfig(value, file);
};

/** An operator list's problem said in the pipeline file's terms, not in `-c operators`'. */
const restated = (error: unknown, file: string, name: PipelineEnvironment): Error =>
  new Error(`-c pipeline=${file}: environments.${name}: ${(error as Error).message.replace(/^-c operators(=\S+)?: /, 'operators: ')}`, { cause: error });

/**
 * The smoke test is let into staging's API only as a listed operator, and with `status` alone it can read but never
 * act; no other environment lists it. Refused before anything is built, naming the entry to add.
 */
const checkSmokeTestOperator = (config: PipelineConfig, file: string): void => {
  const arn = smokeTestRoleArn(config);
  for (const name of PIPELINE_ENVIRONMENTS) {
    const target = config.environments[name];
    if (typeof target.operators === 'string' && !inRepository(target.operators)) {
      throw new Error(`-c pipeline=${file}: environments.${name}.operators: ${target.operators} must be a file in the repository (the synth step reads it from its checkout)`);
    }
    let operators;
    try {
      operators = withOperatorsFromContext(loadEnvironmentConfig(name), target.operators).operators ?? [];
    } catch (error) {
      throw restated(error, file, name);
    }
    const entry = operators.find((operator) => operator.role === arn);
    const wanted = `{ "role": "${arn}", "actions": ["status"] }`;
    if (name !== 'staging' && entry) throw new Error(`-c pipeline=${file}: environments.${name}.operators lists the pipeline's smoke-test role: only staging is smoke-tested, remove it`);
    if (name === 'staging' && !entry) throw new Error(`-c pipeline=${file}: environments.staging.operators must list the pipeline's smoke-test role: add ${wanted}`);
    if (name === 'staging' && entry && entry.actions.join() !== 'status') {
      throw new Error(`-c pipeline=${file}: environments.staging.operators gives the smoke-test role ${entry.actions.join(', ')}: give it only status, ${wanted}`);
    }
  }
};

/** `cdk synth -c pipeline=<file>`: the pipeline stack, with a TradingStage per environment built by `createStack`. */
export const createPipelineStack = (app: App, file: string, createStack: TradingStackFactory): PipelineStack => {
  const given = PER_ENVIRONMENT_CONTEXT.filter((key) => app.node.tryGetContext(key) !== undefined);
  if (given.length > 0) {
    throw new Error(`-c pipeline=${file}: -c ${given.join(', -c ')} would apply to every environment alike: give each environment's settings in the pipeline file`);
  }
  const config = readPipelineConfig(file);
  checkSmokeTestOperator(config, file);
  const configFile = inRepository(file);
  if (!configFile) throw new Error(`-c pipeline=${file}: must be a file in the repository (the synth step synthesizes with it again from its checkout)`);
  try {
    return new PipelineStack(app, PIPELINE_STACK_ID, { config, configFile, createStack });
  } catch (error) {
    // The stages are built in order; a message from one names its environment (`staging pages nobody: …`).
    throw new Error(`-c pipeline=${file}: ${(error as Error).message}`, { cause: error });
  }
};
