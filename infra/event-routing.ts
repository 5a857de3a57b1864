// The event bus of one environment and its rules, generated from the shared route table so the deployed
// rules and the local router cannot disagree. Time-critical deliveries give up quickly into a DLQ. An archive
// keeps every event the system publishes for the environment's retention, to replay (docs/disaster-recovery.md).
import { Duration, Fn } from 'aws-cdk-lib';
import { Archive, EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import { EVENT_SOURCES } from '../shared/events/envelope';
import { EVENT_ROUTES, INTENT_ROUTE_ID, SCHEDULE_ROUTES, type EventRoute, type RoutedFunctionName } from '../shared/routing/routes';
import { IntakeQueue } from './intake-queue';
import { encryptionKey } from './encryption-keys';


/** The bus name is fixed per environment so functions can be given it before the bus construct exists. */
export const eventBusNameFor = (config: EnvironmentConfig): string => `trading-${config.name}`;

/** The archive's name, fixed so a replay can name it: `arn:aws:events:<region>:<account>:archive/<name>`. */
export const eventArchiveNameFor = (config: EnvironmentConfig): string => `trading-${config.name}`;

export interface EventRoutingProps {
  config: EnvironmentConfig;
  targets: Record<RoutedFunctionName, IFunction>;
  /** The timeout of each target a route reaches through a queue (its visibility timeout is six times that). */
  queueConsumerTimeouts: Partial<Record<RoutedFunctionName, Duration>>;
}

export class EventRouting extends Construct {
  readonly bus: EventBus;
  readonly deadLetterQueue: Queue;
  /** Every event of the system's sources the bus received, for the environment's retention. */
  readonly archive: Archive;
  readonly rules: Record<string, Rule> = {};
  /** The queues of the routes that have one, by the route's queue id. */
  readonly intakeQueues: Record<string, IntakeQueue> = {};
  /** The intents' queue on their way to the risk function (the intent route's). */
  readonly intentQueue: Queue;
  /** The OrderIntended → risk rule: the kill switch's hard stop disables it. */
  readonly intentRule: Rule;
  /**
   * The bare name of that rule, as DisableRule/EnableRule/DescribeRule want it. Not `intentRule.ruleName`:
   * for a rule on a custom bus CloudFormation's Ref answers `bus|rule`. The ARN's documented form is
   * `arn:…:rule/<bus>/<rule>`, so the name is its third `/`-separated part.
   */
  readonly intentRuleName: string;

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: eventBusNameFor(props.config) });
    // Matched on the producers' sources, so every event the system publishes is kept and nothing else is.
    this.archive = new Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      archiveName: eventArchiveNameFor(props.config),
      description: `Every event the trading system published on ${eventBusNameFor(props.config)}, for replays (docs/disaster-recovery.md).`,
      eventPattern: { source: Object.values(EVENT_SOURCES) },
      retention: Duration.days(props.config.eventArchive.retentionDays),
    });
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      // The stack's queue key, whose policy lets EventBridge dead-letter into it (infra/encryption-keys.ts).
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: encryptionKey(this, 'queues'),
      enforceSSL: true,
    });
    const target = (name: RoutedFunctionName) =>
      new LambdaFunction(props.targets[name], {
        // An intent older than this is stale: better dead-lettered and seen than acted on late.
        maxEventAge: Duration.minutes(5),
        retryAttempts: 2,
        deadLetterQueue: this.deadLetterQueue,
      });

    for (const route of EVENT_ROUTES) {
      const rule = new Rule(this, route.id, {
        eventBus: this.bus,
        description: route.description,
        eventPattern: { source: route.pattern.source, detailType: route.pattern['detail-type'], ...(route.pattern.detail ? { detail: route.pattern.detail } : {}) },
      });
      rule.addTarget(route.queue ? this.queued(route, route.queue, rule, props) : target(route.target));
      this.rules[route.id] = rule;
    }
    const intentRule = this.rules[INTENT_ROUTE_ID];
    if (!intentRule) throw new Error(`the route table has no ${INTENT_ROUTE_ID} route: the kill switch could not stop intake`);
    this.intentRule = intentRule;
    const intentQueue = this.intakeQueues[EVENT_ROUTES.find((r) => r.id === INTENT_ROUTE_ID)?.queue?.id ?? '']?.queue;
    if (!intentQueue) throw new Error(`the ${INTENT_ROUTE_ID} route has no queue: its backlog could not be watched`);
    this.intentQueue = intentQueue;
    this.intentRuleName = Fn.select(2, Fn.split('/', intentRule.ruleArn));
    for (const route of SCHEDULE_ROUTES) {
      // Schedules fire on the default bus (EventBridge requirement), into the same targets.
      this.rules[route.id] = new Rule(this, route.id, {
        description: route.description,
        schedule: Schedule.rate(Duration.minutes(route.everyMinutes ?? props.config.reconciliation.scheduleMinutes)),
        targets: [target(route.target)],
      });
    }
  }

  /** The route's queue, read by its target in batches; what EventBridge cannot put there goes to the dead letters. */
  private queued(route: EventRoute, spec: NonNullable<EventRoute['queue']>, rule: Rule, props: EventRoutingProps): SqsQueue {
    const consumerTimeout = props.queueConsumerTimeouts[route.target];
    if (!consumerTimeout) throw new Error(`EventRouting: ${route.id} reaches ${route.target} through a queue; name ${route.target}'s timeout`);
    const intake = new IntakeQueue(this, spec.id, { deadLetterQueue: this.deadLetterQueue, consumer: props.targets[route.target], consumerTimeout, batchSize: spec.batchSize });
    intake.onlyRuleSends(rule);
    this.intakeQueues[spec.id] = intake;
    return new SqsQueue(intake.queue, { maxEventAge: Duration.minutes(5), retryAttempts: 2, deadLetterQueue: this.deadLetterQueue });
  }
}
