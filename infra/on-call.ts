// Where alarms go: the on-call topic (page tier: someone is woken) and the ticket topic (the next working
// day), each with the environment's subscriptions (e-mail, HTTPS webhooks such as a PagerDuty or Opsgenie
// events endpoint, a Slack channel through AWS Chatbot). Every alarm names its tier here, and its runbook.
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { LoggingLevel, SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { SubscriptionProtocol } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { encryptionKey } from './encryption-keys';
import type { EnvironmentConfig } from '../shared/config/environments';
import { MUST_PAGE, reachesSomeone, type AlarmTier, type PagingTargets } from '../shared/config/paging';

export interface OnCallProps {
  config: EnvironmentConfig;
}

/** The two topics alarms notify, by tier; the dashboard tier notifies nobody. */
export interface AlarmTopics {
  page: ITopic;
  ticket: ITopic;
}

/** Sends an alarm's ALARM and OK transitions to its tier's topic (nothing for the dashboard tier). */
export const notifyTier = (alarm: Alarm, tier: AlarmTier, topics: AlarmTopics): void => {
  if (tier === 'dashboard') return;
  const action = new SnsAction(topics[tier]);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
};

export class OnCall extends Construct {
  /** The page tier's topic. */
  readonly topic: Topic;
  readonly ticketTopic: Topic;

  constructor(scope: Construct, id: string, props: OnCallProps) {
    super(scope, id);
    const { config } = props;
    if (MUST_PAGE.includes(config.name) && !reachesSomeone(config.alarms.page)) {
      throw new Error(
        `${config.name} pages nobody: name the on-call people in alarms.page (shared/config/environments.ts), or give -c onCallEmail=<address> or -c onCallWebhookUrl=<https url>`,
      );
    }
    // The stack's notification key, whose policy lets this account's alarms publish (infra/encryption-keys.ts): a
    // page names accounts, orders and breaches.
    const masterKey = encryptionKey(this, 'notifications');
    this.topic = new Topic(this, 'Topic', { displayName: `Trading safety on-call (${config.name})`, enforceSSL: true, masterKey });
    this.ticketTopic = new Topic(this, 'TicketTopic', { displayName: `Trading safety tickets (${config.name})`, enforceSSL: true, masterKey });
    this.subscribe(this.topic, config.alarms.page, 'Page');
    this.subscribe(this.ticketTopic, config.alarms.ticket, 'Ticket');
  }

  get topics(): AlarmTopics {
    return { page: this.topic, ticket: this.ticketTopic };
  }

  private subscribe(topic: Topic, targets: PagingTargets | undefined, tier: string): void {
    for (const email of targets?.emails ?? []) topic.addSubscription(new EmailSubscription(email));
    // Raw delivery off: PagerDuty's and Opsgenie's CloudWatch integrations read the SNS envelope.
    for (const url of targets?.webhooks ?? []) topic.addSubscription(new UrlSubscription(url, { protocol: SubscriptionProtocol.HTTPS }));
    if (targets?.slack) {
      new SlackChannelConfiguration(this, `${tier}Slack`, {
        slackChannelConfigurationName: `trading-${tier.toLowerCase()}-${this.node.addr.slice(0, 8)}`,
        slackWorkspaceId: targets.slack.workspaceId,
        slackChannelId: targets.slack.channelId,
        notificationTopics: [topic],
        loggingLevel: LoggingLevel.ERROR,
      });
    }
  }
}
