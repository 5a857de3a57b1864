// The on-call paging topic: every alarm in the stack notifies it. Subscriptions (pager, e-mail) are
// per environment.
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';

export interface OnCallProps {
  config: EnvironmentConfig;
}

export class OnCall extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: OnCallProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: `Trading safety on-call (${props.config.name})`, enforceSSL: true });
    if (props.config.alarms.onCallEmail) this.topic.addSubscription(new EmailSubscription(props.config.alarms.onCallEmail));
  }
}
