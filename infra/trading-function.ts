// One trading Lambda: bundled ESM for Node 22 on ARM64, a `live` alias that every trigger targets, a
// CodeDeploy deployment group that shifts traffic per the environment (canary in prod) and rolls back on
// its alarms, and an error alarm that also pages on-call.
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaDeploymentConfig, LambdaDeploymentGroup, type ILambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { Alias, ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import type { FunctionName } from '../shared/routing/routes';
import { describeAlarm } from './alarm-runbooks';
import { notifyTier } from './on-call';
import { METRICS_NAMESPACE } from '../shared/telemetry/metrics';

/** The functions a stop goes through: their throttles page instead of making a ticket. */
const STOP_PATH: readonly FunctionName[] = ['breaker', 'kill-switch'];

export interface TradingFunctionProps {
  name: FunctionName;
  config: EnvironmentConfig;
  timeout: Duration;
  memorySize?: number;
  environment: Record<string, string>;
  onCall: ITopic;
  /** The ticket tier's topic (the throttle alarm of a function that is not on the stop path). */
  tickets: ITopic;
}

const ROOT = join(import.meta.dirname, '..');

/** How long an environment keeps its logs: a year in prod (an incident's record), a month elsewhere. */
export const logRetentionFor = (config: EnvironmentConfig): RetentionDays => (config.name === 'prod' ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH);

const deploymentConfig = (config: EnvironmentConfig): ILambdaDeploymentConfig =>
  config.deployment.strategy === 'canary-10-percent-5-minutes'
    ? LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES
    : LambdaDeploymentConfig.ALL_AT_ONCE;

export class TradingFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly alias: Alias;
  readonly errorAlarm: Alarm;
  readonly deploymentGroup: LambdaDeploymentGroup;

  constructor(scope: Construct, id: string, props: TradingFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: logRetentionFor(props.config),
      removalPolicy: props.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(ROOT, 'functions', props.name, 'handler.ts'),
      handler: 'handler',
      // Named explicitly: NODEJS_LATEST moves under our feet, and the local runtime runs Node 22 too.
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      // With JSON logging Lambda filters at INFO by default, which would drop Powertools' DEBUG lines in dev.
      applicationLogLevelV2: ApplicationLogLevel[props.config.logLevel],
      systemLogLevelV2: SystemLogLevel.WARN,
      depsLockFilePath: join(ROOT, 'package-lock.json'),
      projectRoot: ROOT,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.config.logLevel,
        // A handler's response can hold account data: it never goes into a trace as metadata.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: 'node22',
        mainFields: ['module', 'main'],
        // The SDK is bundled so the deployed versions are the tested ones.
        externalModules: [],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    this.alias = new Alias(this, 'LiveAlias', { aliasName: 'live', version: this.fn.currentVersion });

    this.errorAlarm = new Alarm(this, 'ErrorAlarm', {
      alarmDescription: describeAlarm(this, `${props.name} function errors on the live alias (rolls back deployments, pages on-call)`, `${props.name}-function-errors`),
      metric: this.alias.metricErrors({ period: Duration.minutes(1) }),
      threshold: props.config.alarms.functionErrorsPerMinute,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const throttleAlarm = new Alarm(this, 'ThrottleAlarm', {
      alarmDescription: describeAlarm(this, `${props.name} function throttled on the live alias`, 'function-throttled'),
      metric: this.alias.metricThrottles({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const topics = { page: props.onCall, ticket: props.tickets };
    notifyTier(this.errorAlarm, 'page', topics);
    // A throttled stop path (the breaker, the kill switch) is a stop that did not happen: someone is woken.
    notifyTier(throttleAlarm, STOP_PATH.includes(props.name) ? 'page' : 'ticket', topics);

    this.deploymentGroup = new LambdaDeploymentGroup(this, 'DeploymentGroup', {
      alias: this.alias,
      deploymentConfig: deploymentConfig(props.config),
      alarms: [this.errorAlarm],
      autoRollback: { failedDeployment: true, deploymentInAlarm: true, stoppedDeployment: true },
    });
  }
}
