// The stack of one environment: table, bus and rules, order queue, the three pipeline functions with their
// deployment safety, the circuit breaker (function + state machine), the dead-man switch, the
// kill-switch API, the broker credentials secret (readable only by the functions that talk to the broker),
// the feed task on Fargate, dead-letter alarms, the alarms that halt trading, and the on-call topic.
// Construct ids never change once deployed.
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { InvocationType, Trigger } from 'aws-cdk-lib/triggers';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import { RUNTIME_ENV } from '../shared/config/runtime-env';
import { BrokerCredentials } from './broker-credentials';
import { CircuitBreaker } from './circuit-breaker';
import { EventRouting, eventBusNameFor } from './event-routing';
import { FeedService } from './feed-service';
import { HaltingAlarms } from './halting-alarms';
import { KillSwitchApi } from './kill-switch-api';
import { notifyTier, OnCall } from './on-call';
import { OrderIntegrityAlarms } from './order-integrity-alarms';
import { OrderQueue } from './order-queue';
import { TradingFunction } from './trading-function';
import { DeployHooks } from './deploy-hooks';
import { acknowledgeIndexGrant, denyControlItemWrites, TradingTable } from './trading-table';
import { DeadManSwitch } from './dead-man-switch';
import { describeAlarm, type Runbook } from './alarm-runbooks';
import { TradingDashboard } from './dashboard';
import { MetricAlarms } from './metric-alarms';
import { EncryptionKeys, encryptionKey } from './encryption-keys';
import { acknowledge, resourceOf } from './policy-checks';

export interface TradingStackProps extends StackProps {
  config: EnvironmentConfig;
}

const ORDER_TIMEOUT = Duration.seconds(30);
const RISK_TIMEOUT = Duration.seconds(10);

type PipelineFunctionName = 'risk' | 'order' | 'reconciliation';

/** What the rest of the stack builds on: created first, in this order. */
interface Foundations {
  config: EnvironmentConfig;
  onCall: OnCall;
  table: Table;
  orders: OrderQueue;
  brokerCredentials: BrokerCredentials;
  /** Where failed asynchronous invocations (EventBridge → risk and breaker, schedule → reconciliation) end up. */
  failedInvocations: Queue;
  /** The variables every function gets (environment, table, bus). */
  baseEnv: Record<string, string>;
}

/** The alarms on the dead-letter queues (each pages while its queue holds a message). */
interface DeadLetterAlarms {
  orders: Alarm;
  events: Alarm;
  failedInvocations: Alarm;
}

export class TradingStack extends Stack {
  readonly functions: Record<PipelineFunctionName, TradingFunction>;
  readonly circuitBreaker: CircuitBreaker;
  readonly deadManSwitch: DeadManSwitch;
  readonly killSwitchApi: KillSwitchApi;
  /** Undefined where the feed cannot run: without Alpaca or without a market to subscribe to. */
  readonly feedService: FeedService | undefined;

  constructor(scope: Construct, id: string, props: TradingStackProps) {
    super(scope, id, props);
    const base = this.foundations(props.config);
    const { config, table, onCall, orders, brokerCredentials, baseEnv } = base;
    this.functions = this.pipelineFunctions(base);

    // Before the routing: the breach rules target the breaker function.
    const shared = { config, table, onCall: onCall.topic, tickets: onCall.ticketTopic, brokerCredentials, baseEnv };
    this.circuitBreaker = new CircuitBreaker(this, 'CircuitBreaker', shared);
    // Before the routing too: the dead-man switch's schedule targets it.
    this.deadManSwitch = new DeadManSwitch(this, 'Watchdog', shared);

    const routing = new EventRouting(this, 'EventRouting', {
      config,
      targets: {
        risk: this.functions.risk.alias,
        order: this.functions.order.alias,
        reconciliation: this.functions.reconciliation.alias,
        breaker: this.circuitBreaker.fn.alias,
        'dead-man-switch': this.deadManSwitch.fn.alias,
      },
      queueConsumerTimeouts: { risk: RISK_TIMEOUT },
    });
    this.grantAndRetry(base, routing);
    this.reconcileAfterDeploy(base, routing);

    // Kept as an SqsEventSource (same construct id, so the same mapping resource): it exposes the mapping's
    // id and ARN once bound, which the kill switch needs to stop intake.
    const orderIntake = new SqsEventSource(orders.queue, { batchSize: 10, reportBatchItemFailures: true, enabled: true });
    this.functions.order.alias.addEventSource(orderIntake);

    this.killSwitchApi = new KillSwitchApi(this, 'KillSwitchApi', {
      ...shared,
      bus: routing.bus,
      orderIntake: { eventSourceMappingId: orderIntake.eventSourceMappingId, eventSourceMappingArn: orderIntake.eventSourceMappingArn },
      intentRule: { ruleName: routing.intentRuleName, ruleArn: routing.intentRule.ruleArn },
      breaker: { stateMachineArn: this.circuitBreaker.stateMachine.stateMachineArn, aliasArn: this.circuitBreaker.alias.ref },
    });

    this.feedService = this.feed(base, routing);
    // The order queue's only writers: risk queues approvals, the feed's broker relay queues trade updates.
    const riskRole = this.functions.risk.fn.role;
    if (!riskRole) throw new Error('the risk function has no role to name as the order queue writer');
    orders.onlyWritersSend([riskRole, ...(this.feedService ? [this.feedService.taskDefinition.taskRole] : [])]);
    this.deployments(base, this.alarms(base, routing));
    this.dashboard(base, routing);
    this.outputs(base, routing);
  }

  /**
   * Every function's deployment: its new version probed before traffic and its alias after (DeployHooks), and
   * rolled back while a dead-letter queue its failures end in holds a message (nobody deploys over an unexplained
   * dead letter; the queue's alarm has paged), besides its own error, throttle and duration alarms. The kill
   * switch has none: it answers its caller, so its failures are its errors.
   */
  private deployments({ config }: Foundations, deadLetters: DeadLetterAlarms): void {
    const hooks = new DeployHooks(this, 'DeployHooks', { config });
    const rollbackOn: [TradingFunction, Alarm[]][] = [
      [this.functions.risk, [deadLetters.events, deadLetters.failedInvocations]],
      [this.functions.order, [deadLetters.orders]],
      [this.functions.reconciliation, [deadLetters.events, deadLetters.failedInvocations]],
      [this.circuitBreaker.fn, [deadLetters.events, deadLetters.failedInvocations]],
      [this.deadManSwitch.fn, [deadLetters.events, deadLetters.failedInvocations]],
      [this.killSwitchApi.fn, []],
    ];
    for (const [fn, alarms] of rollbackOn) {
      hooks.probe(fn);
      for (const alarm of alarms) fn.addRollbackAlarm(alarm);
    }
  }

  /** The environment's dashboard, after every alarm exists (its status widget lists them all). */
  private dashboard({ config, orders }: Foundations, routing: EventRouting): void {
    const functions = {
      risk: this.functions.risk.alias,
      order: this.functions.order.alias,
      reconciliation: this.functions.reconciliation.alias,
      breaker: this.circuitBreaker.fn.alias,
      'dead-man-switch': this.deadManSwitch.fn.alias,
      'kill-switch': this.killSwitchApi.fn.alias,
    };
    const alarms = this.node.findAll().filter((c): c is Alarm => c instanceof Alarm);
    new TradingDashboard(this, 'Dashboard', { config, alarms, functions, orderQueue: orders.queue, orderDeadLetters: orders.deadLetterQueue, intentQueue: routing.intentQueue, breaker: this.circuitBreaker.stateMachine });
  }

  private foundations(config: EnvironmentConfig): Foundations {
    // First: whatever stores data below encrypts it with the stack's own keys (infra/encryption-keys.ts).
    new EncryptionKeys(this, { config });
    const onCall = new OnCall(this, 'OnCall', { config });
    const { table } = new TradingTable(this, 'TradingTable', { config });
    const orders = new OrderQueue(this, 'OrderQueue', { consumerTimeout: ORDER_TIMEOUT });
    const brokerCredentials = new BrokerCredentials(this, 'BrokerCredentials', { config });
    const failedInvocations = new Queue(this, 'FailedInvocations', {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: encryptionKey(this, 'queues'),
      enforceSSL: true,
    });
    acknowledge(resourceOf(failedInvocations), {
      id: 'AwsSolutions-SQS3',
      reason: 'FailedInvocations is itself a dead-letter store: the on-failure destination of the asynchronous invocations. Nothing consumes it; its alarm pages and a person reads it, so a queue behind it would never receive anything.',
    });
    const baseEnv = {
      [RUNTIME_ENV.environment]: config.name,
      [RUNTIME_ENV.tableName]: table.tableName,
      [RUNTIME_ENV.eventBusName]: eventBusNameFor(config),
    };
    return { config, onCall, table, orders, brokerCredentials, failedInvocations, baseEnv };
  }

  /** The risk, order and reconciliation functions. */
  private pipelineFunctions({ config, onCall, orders, brokerCredentials, baseEnv }: Foundations): Record<PipelineFunctionName, TradingFunction> {
    const make = (name: PipelineFunctionName, timeout: Duration, extra: Record<string, string> = {}) =>
      new TradingFunction(this, `${name[0]?.toUpperCase()}${name.slice(1)}Function`, {
        name,
        config,
        timeout,
        environment: { ...baseEnv, ...extra },
        onCall: onCall.topic,
        tickets: onCall.ticketTopic,
      });
    // Only the functions that talk to the broker learn where its credentials are, and only they may read them.
    const brokerEnv: Record<string, string> = brokerCredentials.secret
      ? { [RUNTIME_ENV.brokerSecretId]: brokerCredentials.secret.secretArn }
      : {};
    const functions = {
      risk: make('risk', RISK_TIMEOUT, { [RUNTIME_ENV.orderQueueUrl]: orders.queue.queueUrl }),
      order: make('order', ORDER_TIMEOUT, brokerEnv),
      reconciliation: make('reconciliation', Duration.seconds(60), brokerEnv),
    };
    for (const fn of [functions.order, functions.reconciliation]) brokerCredentials.grantRead(fn.fn);
    return functions;
  }

  /** The functions' access to the table, bus and order queue, and where their failed asynchronous invocations go. */
  private grantAndRetry({ table, orders, failedInvocations }: Foundations, routing: EventRouting): void {
    for (const fn of Object.values(this.functions)) {
      table.grantReadWriteData(fn.fn);
      acknowledgeIndexGrant(table, fn.fn);
      // The trading state, kill-switch records and breaker items are the breaker's and the kill switch's alone.
      denyControlItemWrites(table, fn.fn);
      routing.bus.grantPutEventsTo(fn.fn);
    }
    // The breaker's cancelAllOrders publishes the order events a cancellation produces on the bus.
    routing.bus.grantPutEventsTo(this.circuitBreaker.fn.fn);
    // The dead-man switch publishes its FEED_STALE breach and its cancellations' order events.
    routing.bus.grantPutEventsTo(this.deadManSwitch.fn.fn);
    orders.queue.grantSendMessages(this.functions.risk.fn);
    // Asynchronous (EventBridge) invocations: retried, then kept in FailedInvocations (which pages). The
    // state machine's synchronous task invocations of the breaker alias are not affected.
    for (const fn of [this.functions.risk, this.functions.reconciliation, this.circuitBreaker.fn, this.deadManSwitch.fn]) {
      fn.alias.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.minutes(5), onFailure: new SqsDestination(failedInvocations) });
    }
  }

  /**
   * Reconciliation at start-up: after every deploy that changes the function, once the table, bus, secret and
   * grants exist. Asynchronous, so a broker that cannot be reached reports a break instead of failing the deploy.
   */
  private reconcileAfterDeploy({ table, brokerCredentials }: Foundations, routing: EventRouting): void {
    new Trigger(this, 'ReconcileAfterDeploy', {
      handler: this.functions.reconciliation.fn,
      invocationType: InvocationType.EVENT,
      executeAfter: [table, routing, this.functions.reconciliation, brokerCredentials],
      executeOnHandlerChange: true,
    });
  }

  /** The feed task, where the environment trades on Alpaca and names a market (the feed program refuses otherwise). */
  private feed({ config, table, orders, brokerCredentials, onCall, baseEnv }: Foundations, routing: EventRouting): FeedService | undefined {
    if (config.broker.kind !== 'alpaca' || !config.market) return undefined;
    return new FeedService(this, 'FeedService', {
      config,
      table,
      bus: routing.bus,
      orderQueue: orders.queue,
      brokerCredentials,
      onCall: onCall.topic,
      baseEnv,
    });
  }

  /** The dead-letter alarms, which page, and the alarms that also halt trading. */
  private alarms({ config, onCall, orders, failedInvocations }: Foundations, routing: EventRouting): DeadLetterAlarms {
    const page = (queue: IQueue, id: string, what: string, runbook: Runbook) => this.pageWhenNotEmpty(queue, id, what, runbook, onCall);
    const orderDeadLetters = page(orders.deadLetterQueue, 'OrderDeadLetterAlarm', 'Approved orders that could not be processed', 'order-dead-letters');
    const eventDeadLetters = page(routing.deadLetterQueue, 'EventDeadLetterAlarm', 'Events EventBridge could not deliver', 'event-dead-letters');
    const failedInvocationsAlarm = page(failedInvocations, 'FailedInvocationsAlarm', 'Risk, reconciliation, breaker-start or dead-man switch invocations that failed', 'failed-invocations');
    const orderIntegrity = new OrderIntegrityAlarms(this, 'OrderIntegrity', { topics: onCall.topics });
    new MetricAlarms(this, 'MetricAlarms', { config, topics: onCall.topics, orderQueue: orders.queue, intentQueue: routing.intentQueue });

    // Alarms in whose presence trading safety is in doubt halt every account through the breaker (besides
    // paging). Not listed: the functions' own error alarms (retried, and persistent failures end in the queues
    // above), the breaker's failed-executions alarm (its fail-closed path has halted already; routing it back
    // to the breaker would loop), the kill switch's (a person is acting).
    new HaltingAlarms(this, 'HaltingAlarms', {
      breaker: this.circuitBreaker.fn.alias,
      deadLetterQueue: routing.deadLetterQueue,
      alarms: [
        { alarm: orderDeadLetters, why: 'an approved order could not be processed: whether it reached the broker is unknown' },
        { alarm: eventDeadLetters, why: 'an event was not delivered: it may be a breach that never reached the breaker' },
        { alarm: failedInvocationsAlarm, why: 'a risk, reconciliation, breaker-start or dead-man switch invocation failed for good' },
        { alarm: this.deadManSwitch.fn.errorAlarm, why: 'the dead-man switch could not complete a check: the feed may be dead with orders open' },
        { alarm: this.deadManSwitch.silentAlarm, why: 'the dead-man switch is not running: a dead feed would go unnoticed' },
        { alarm: orderIntegrity.brokerOrderIdChanged, why: 'the broker and the table disagree about which broker order is ours: positions and exposure may be wrong' },
      ],
    });
    return { orders: orderDeadLetters, events: eventDeadLetters, failedInvocations: failedInvocationsAlarm };
  }

  private pageWhenNotEmpty(queue: IQueue, id: string, what: string, runbook: Runbook, onCall: OnCall): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: describeAlarm(this, `${what}: messages waiting in ${id.replace(/Alarm$/, '')} need a person`, runbook),
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    notifyTier(alarm, 'page', onCall.topics);
    return alarm;
  }

  private outputs({ table, orders, onCall, brokerCredentials }: Foundations, routing: EventRouting): void {
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'EventBusName', { value: routing.bus.eventBusName });
    new CfnOutput(this, 'OrderQueueUrl', { value: orders.queue.queueUrl });
    new CfnOutput(this, 'OnCallTopicArn', { value: onCall.topic.topicArn });
    if (brokerCredentials.secret) new CfnOutput(this, 'BrokerSecretArn', { value: brokerCredentials.secret.secretArn });
    if (this.feedService) new CfnOutput(this, 'FeedLogGroupName', { value: this.feedService.logGroup.logGroupName });
  }
}
