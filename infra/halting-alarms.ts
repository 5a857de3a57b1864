// The alarms that halt trading: one rule on the default event bus (where CloudWatch puts alarm state changes)
// matching exactly these alarms' ARNs in state ALARM, into the breaker's live alias, which starts one breaker
// execution per account. Invariant: only alarms that put trading safety in doubt are listed, each with why.
import { Duration } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALARM_STATE_CHANGE } from '../shared/breaker/breach-trip';

export interface HaltingAlarm {
  alarm: IAlarm;
  /** Why trading must stop when it goes off (documentation; docs/circuit-breaker.md lists the same). */
  why: string;
}

export interface HaltingAlarmsProps {
  alarms: readonly HaltingAlarm[];
  /** The breaker function's live alias. */
  breaker: IFunction;
  /** Where an alarm event the breaker could not take ends up (the bus rules' dead-letter queue). */
  deadLetterQueue: IQueue;
}

export class HaltingAlarms extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: HaltingAlarmsProps) {
    super(scope, id);
    this.rule = new Rule(this, 'AlarmToBreaker', {
      description: 'A safety alarm in ALARM halts every account through the circuit breaker (one execution per account and hour).',
      // No eventBus: alarm state changes are delivered on the default bus only.
      eventPattern: {
        source: [ALARM_STATE_CHANGE.source],
        detailType: [ALARM_STATE_CHANGE.detailType],
        resources: props.alarms.map((a) => a.alarm.alarmArn),
        // OK and INSUFFICIENT_DATA never reach the function (it would ignore them too).
        detail: { state: { value: ['ALARM'] } },
      },
      // The same delivery as the breach rules: asynchronous, 2 retries, 5 minutes, then the dead-letter queue.
      targets: [new LambdaFunction(props.breaker, { maxEventAge: Duration.minutes(5), retryAttempts: 2, deadLetterQueue: props.deadLetterQueue })],
    });
  }
}
