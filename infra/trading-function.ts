// One trading Lambda: bundled ESM for Node 22 on ARM64, a `live` alias that every trigger targets, a
// CodeDeploy deployment group that shifts traffic per the environment (canary in prod) and rolls back on
// its alarms (errors, throttles, p99 duration, and the dead letters the stack adds) after probing the new version
// through the deployment hooks, and an error alarm that also pages on-call.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Stats, TreatMissingData, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaDeploymentConfig, LambdaDeploymentGroup, type ILambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { Alias, ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import type { FunctionName } from '../shared/routing/routes';
import { describeAlarm } from './alarm-runbooks';
import { FUNCTION_HANDLER, functionCode } from './function-code';
import { notifyTier } from './on-call';
import { METRICS_NAMESPACE } from '../shared/telemetry/metrics';
import { encryptionKey } from './encryption-keys';
import { acknowledge, KMS_GRANT_FINDINGS, managedPolicyFinding, resourceOf, type Acknowledgment } from './policy-checks';

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
  /** Execution environments kept initialized on the live alias (provisioned concurrency); none by default. */
  provisionedConcurrency?: number | undefined;
}

/** How long an environment keeps its logs: a year in prod (an incident's record), a month elsewhere. */
export const logRetentionFor = (config: EnvironmentConfig): RetentionDays => (config.name === 'prod' ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH);

const deploymentConfig = (config: EnvironmentConfig): ILambdaDeploymentConfig =>
  config.deployment.strategy === 'canary-10-percent-5-minutes'
    ? LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES
    : LambdaDeploymentConfig.ALL_AT_ONCE;

/** A deployment rolls back when p99 duration passes this share of the timeout (a version that hangs or crawls). */
export const ROLLBACK_DURATION_SHARE = 0.8;

/**
 * The policy findings every Lambda function of the system answers the same way (the trading functions here, the
 * deployment hooks in infra/deploy-hooks.ts): on the function, and on its role.
 */
export const LAMBDA_FINDINGS: Record<'function' | 'role', Acknowledgment[]> = {
  function: [
    {
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is named on purpose: the bundles target it, the tests and the local runtime run it (package.json engines); a newer runtime is a reviewed change of all of them together, never a moving default.',
    },
    {
      id: 'NIST.800.53.R5-LambdaInsideVPC',
      reason: 'The function accepts no network connections and calls only AWS APIs (TLS, IAM-signed) and the broker over HTTPS; a VPC adds no boundary to that and would need NAT gateways (about $1 a day each) or endpoints to reach the same services.',
    },
  ],
  role: [
    {
      id: managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'),
      reason: 'AWSLambdaBasicExecutionRole grants only logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents, the least a function needs to write its own log group, and AWS keeps it current as Lambda logging changes.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The only statement on "*" is active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords, which X-Ray authorizes on no narrower resource.',
    },
    {
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: "CDK writes the role's grants into one AWS::IAM::Policy attached to this role alone; a customer managed policy would hold the same statements and could be attached to other principals, so it would narrow nothing.",
    },
  ],
};

/** The hooks CodeDeploy runs around every shift of traffic (infra/deploy-hooks.ts). */
export interface DeploymentHooks {
  preTraffic: IFunction;
  postTraffic: IFunction;
}

export class TradingFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly alias: Alias;
  readonly errorAlarm: Alarm;
  readonly throttleAlarm: Alarm;
  readonly durationAlarm: Alarm;
  readonly deploymentGroup: LambdaDeploymentGroup;

  constructor(scope: Construct, id: string, props: TradingFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: logRetentionFor(props.config),
      removalPolicy: props.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // The stack's log key (infra/encryption-keys.ts): what a handler logs can name accounts and orders.
      encryptionKey: encryptionKey(this, 'logs'),
    });
    this.fn = new NodejsFunction(this, 'Function', {
      // Bundled by infra/function-bundle.ts (zod's locales left out), which NodejsFunction's own bundling cannot do.
      code: functionCode(props.name),
      handler: FUNCTION_HANDLER,
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
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.config.logLevel,
        // A handler's response can hold account data: it never goes into a trace as metadata.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      },
    });
    this.alias = new Alias(this, 'LiveAlias', {
      aliasName: 'live',
      version: this.fn.currentVersion,
      ...(props.provisionedConcurrency ? { provisionedConcurrentExecutions: props.provisionedConcurrency } : {}),
    });

    this.errorAlarm = new Alarm(this, 'ErrorAlarm', {
      alarmDescription: describeAlarm(this, `${props.name} function errors on the live alias (rolls back deployments, pages on-call)`, `${props.name}-function-errors`),
      metric: this.alias.metricErrors({ period: Duration.minutes(1) }),
      threshold: props.config.alarms.functionErrorsPerMinute,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const throttleAlarm = (this.throttleAlarm = new Alarm(this, 'ThrottleAlarm', {
      alarmDescription: describeAlarm(this, `${props.name} function throttled on the live alias`, 'function-throttled'),
      metric: this.alias.metricThrottles({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }));
    const durationLimitMs = Math.round(props.timeout.toMilliseconds() * ROLLBACK_DURATION_SHARE);
    this.durationAlarm = new Alarm(this, 'DurationAlarm', {
      alarmDescription: describeAlarm(this, `${props.name} function p99 duration over ${durationLimitMs} ms on the live alias for two minutes (rolls back deployments)`, 'deployment-rollback'),
      metric: this.alias.metricDuration({ period: Duration.minutes(1), statistic: Stats.p(99) }),
      threshold: durationLimitMs,
      evaluationPeriods: 2,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const topics = { page: props.onCall, ticket: props.tickets };
    notifyTier(this.durationAlarm, 'ticket', topics);
    notifyTier(this.errorAlarm, 'page', topics);
    // A throttled stop path (the breaker, the kill switch) is a stop that did not happen: someone is woken.
    notifyTier(throttleAlarm, STOP_PATH.includes(props.name) ? 'page' : 'ticket', topics);

    this.deploymentGroup = new LambdaDeploymentGroup(this, 'DeploymentGroup', {
      alias: this.alias,
      deploymentConfig: deploymentConfig(props.config),
      // Errors, throttles and a crawling p99 roll a deployment back; the stack adds the function's dead letters.
      alarms: [this.errorAlarm, this.throttleAlarm, this.durationAlarm],
      autoRollback: { failedDeployment: true, deploymentInAlarm: true, stoppedDeployment: true },
    });
    this.acknowledgeFindings();
  }

  /** The policy findings of the function, its role and its deployment group, each with why it stands. */
  private acknowledgeFindings(): void {
    acknowledge(
      resourceOf(this.fn),
      ...LAMBDA_FINDINGS.function,
      {
        id: 'NIST.800.53.R5-LambdaConcurrency',
        reason: "No reserved concurrency: a reservation is carved out of the account's pool at a number guessed in advance and would throttle a stop (the kill switch, the breaker) when it matters; every function's throttles are alarmed (paging on the stop path), and intent floods are limited before they reach it.",
      },
      {
        id: 'NIST.800.53.R5-LambdaDLQ',
        reason: "A function dead-letter queue only catches failed asynchronous invocations; this function's failures already end where a person is paged: its queue's dead-letter queue, the rules' dead-letter queue and the FailedInvocations on-failure destination, or its synchronous caller (the API, the state machine).",
      },
    );
    if (this.fn.role) acknowledge(this.fn.role, ...LAMBDA_FINDINGS.role, ...KMS_GRANT_FINDINGS);
    acknowledge(
      this.deploymentGroup.role,
      {
        id: managedPolicyFinding('service-role/AWSCodeDeployRoleForLambdaLimited'),
        reason: "CodeDeploy's own policy for Lambda deployments: read the rollback alarms, read and move the alias; the invocations and notifications it allows are limited by AWS to resources named for CodeDeploy, and the hooks are granted separately.",
      },
      {
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason: "CDK writes the deployment role's grants (invoking the two deployment hooks) into one AWS::IAM::Policy attached to that role alone; a customer managed policy would hold the same statements.",
      },
    );
  }

  /** Also rolls a deployment back when `alarm` fires (the function's dead letters). */
  addRollbackAlarm(alarm: IAlarm): void {
    this.deploymentGroup.addAlarm(alarm);
  }

  /** The new version is probed before it takes traffic, and the alias once it serves all of it. */
  useHooks(hooks: DeploymentHooks): void {
    this.deploymentGroup.addPreHook(hooks.preTraffic);
    this.deploymentGroup.addPostHook(hooks.postTraffic);
  }
}
