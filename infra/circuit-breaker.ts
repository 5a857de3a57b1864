// The circuit breaker in AWS: the breaker tasks function and the Standard state machine built from
// statemachines/circuit-breaker.asl.json, whose one placeholder ${BreakerTasksFunctionArn} becomes the
// function's live alias ARN. The same function starts executions on breach events, on the machine's own `live`
// alias (versions published per definition, shifted gradually in prod), so it gets that alias's ARN, built from
// the machine's explicit name (the definition references the function's alias,
// so referencing the machine from the function would be a circular dependency). Invariants: the ASL is
// inlined (never an S3 asset) so it is reviewable in the template; every execution is logged and traced; a
// failed execution pages on-call; construct ids never change.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { CfnStateMachineAlias, CfnStateMachineVersion, DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import { RUNTIME_ENV } from '../shared/config/runtime-env';
import type { BrokerCredentials } from './broker-credentials';
import { TradingFunction, logRetentionFor } from './trading-function';
import { describeAlarm } from './alarm-runbooks';
import { notifyTier } from './on-call';
import { encryptionKey } from './encryption-keys';
import { acknowledgeIndexGrant } from './trading-table';
import { acknowledge } from './policy-checks';

/** What a function that talks to the broker and pages on-call needs from the stack. */
export interface BrokerFunctionContext {
  config: EnvironmentConfig;
  table: ITable;
  /** The page tier's topic: alarms, and what the functions page directly. */
  onCall: ITopic;
  /** The ticket tier's topic. */
  tickets: ITopic;
  brokerCredentials: BrokerCredentials;
  bus: IEventBus;
  /** The variables every function gets (environment, table, bus). */
  baseEnv: Record<string, string>;
}

/**
 * No bus: the breaker function is a target of the bus's rules, so it exists before the bus; the stack grants
 * it PutEvents (cancelAllOrders publishes the cancellations) once the bus exists.
 */
export type CircuitBreakerProps = Omit<BrokerFunctionContext, 'bus'>;

const ASL_FILE = join(import.meta.dirname, '..', 'statemachines', 'circuit-breaker.asl.json');

/** The one placeholder the ASL file holds (docs/circuit-breaker.md, "Placeholder convention"). */
export const BREAKER_TASKS_PLACEHOLDER = 'BreakerTasksFunctionArn';

/** The alias every execution starts on. */
export const BREAKER_ALIAS = 'live';

/** The state machine's fixed name: its ARN is then known without referencing the resource. */
export const breakerStateMachineNameFor = (stackName: string): string => `${stackName}-circuit-breaker`;

export class CircuitBreaker extends Construct {
  readonly fn: TradingFunction;
  readonly stateMachine: StateMachine;
  /** The state machine's ARN as a string built from its name (no reference to the resource). */
  readonly stateMachineArn: string;
  /** Its `live` alias's ARN: every execution starts there, so it runs on the version the alias serves it. */
  readonly aliasArn: string;
  readonly alias: CfnStateMachineAlias;
  readonly failedAlarm: Alarm;

  constructor(scope: Construct, id: string, props: CircuitBreakerProps) {
    super(scope, id);
    const { config, table, onCall, brokerCredentials } = props;
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.stackName)) throw new Error('the circuit breaker needs a literal stack name to name its state machine');
    const stateMachineName = breakerStateMachineNameFor(stack.stackName);
    // Built from the name, not stateMachine.stateMachineArn: the definition references the function's alias,
    // so the function's environment referencing the machine would close a dependency cycle.
    this.stateMachineArn = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.aliasArn = `${this.stateMachineArn}:${BREAKER_ALIAS}`;

    this.fn = new TradingFunction(this, 'BreakerFunction', {
      name: 'breaker',
      config,
      // CancelAll calls the broker for every open order; the Task's Retry covers a timeout.
      timeout: Duration.seconds(60),
      environment: {
        ...props.baseEnv,
        [RUNTIME_ENV.onCallTopicArn]: onCall.topicArn,
        [RUNTIME_ENV.breakerStateMachineArn]: this.aliasArn,
        ...(brokerCredentials.secret ? { [RUNTIME_ENV.brokerSecretId]: brokerCredentials.secret.secretArn } : {}),
      },
      onCall,
      tickets: props.tickets,
      provisionedConcurrency: config.deployment.provisionedConcurrency?.breaker,
    });
    table.grantReadWriteData(this.fn.fn);
    acknowledgeIndexGrant(table, this.fn.fn);
    brokerCredentials.grantRead(this.fn.fn);
    onCall.grantPublish(this.fn.fn);
    // Breach events start executions of exactly this machine (and nothing else).
    this.fn.fn.addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [this.aliasArn] }));

    const logs = new LogGroup(this, 'Logs', {
      retention: logRetentionFor(config),
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      encryptionKey: encryptionKey(this, 'logs'),
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      // Standard: exactly-once executions named after the breach id, and waitForTaskToken for the approval.
      stateMachineType: StateMachineType.STANDARD,
      // Inline, not DefinitionBody.fromFile (an S3 asset the assertions and reviewers cannot see).
      definitionBody: DefinitionBody.fromString(readFileSync(ASL_FILE, 'utf8')),
      definitionSubstitutions: { [BREAKER_TASKS_PLACEHOLDER]: this.fn.alias.functionArn },
      // Every event, without its data: the approval step's input carries the task token, which must not sit in
      // a log group that more people can read than may approve (the approval is also verified against the
      // record the kill-switch API consumes, so a token alone cannot return trading to ACTIVE).
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    // A string definition carries no task metadata, so CDK cannot infer this grant; every Task invokes the alias.
    this.fn.alias.grantInvoke(this.stateMachine);
    acknowledge(
      this.stateMachine.role,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'The statements on "*" are the execution log delivery (logs:CreateLogDelivery and its siblings, logs:PutResourcePolicy, logs:DescribeLogGroups) and X-Ray tracing, which AWS authorizes on no narrower resource; the role may invoke nothing but the breaker alias.',
      },
      {
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason: "CDK writes the state machine role's grants into one AWS::IAM::Policy attached to that role alone; a customer managed policy would hold the same statements.",
      },
    );

    // The fail-closed path ends in a Fail state: an execution that failed has left trading HALTED and needs a person.
    this.failedAlarm = new Alarm(this, 'FailedExecutionsAlarm', {
      alarmDescription: describeAlarm(this, 'circuit-breaker executions failed (trading left HALTED by the fail-closed path): a person must look', 'breaker-execution-failed'),
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    notifyTier(this.failedAlarm, 'page', { page: onCall, ticket: props.tickets });
    this.alias = this.publish(config);
  }

  /**
   * A version per definition and a `live` alias that moves to it per the environment's deployment strategy (10 %
   * of new executions for 5 minutes in prod, rolled back if executions fail), so a bad definition never reaches
   * every breach; an execution runs to its end on the version it started on. Old versions are kept: the alias
   * can only roll back to a version that still exists.
   */
  private publish(config: EnvironmentConfig): CfnStateMachineAlias {
    const version = new CfnStateMachineVersion(this, 'Version', {
      stateMachineArn: this.stateMachine.stateMachineArn,
      // A new revision (any change of the definition or its settings) publishes a new version.
      stateMachineRevisionId: this.stateMachine.stateMachineRevisionId,
      description: 'published by the stack on every change of the circuit breaker',
    });
    version.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const canary = config.deployment.strategy === 'canary-10-percent-5-minutes';
    return new CfnStateMachineAlias(this, 'LiveAlias', {
      name: BREAKER_ALIAS,
      description: 'every breaker execution starts here',
      deploymentPreference: {
        stateMachineVersionArn: version.attrArn,
        type: canary ? 'CANARY' : 'ALL_AT_ONCE',
        ...(canary ? { percentage: 10, interval: 5 } : {}),
        alarms: [this.failedAlarm.alarmName],
      },
    });
  }
}
