// Pages that reach a person: staging and prod refuse to synthesize without a page subscription; the on-call
// topic takes e-mail, HTTPS webhooks and a Slack channel; every alarm notifies its tier's topic (page or ticket).
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createTradingStack } from '../../infra/app';
import { loadEnvironmentConfig, type EnvironmentConfig } from '../../shared/config/environments';
import { EXAMPLE_OPERATORS, fastApp, templateFor } from './synth';
import { logicalId } from './template-paths';

const synth = (env: 'dev' | 'staging' | 'prod', context: Record<string, unknown>) => Template.fromStack(createTradingStack(fastApp({ operators: EXAMPLE_OPERATORS, ...context }), env));
const topic = (template: Template, path: 'OnCall/Topic' | 'OnCall/TicketTopic') => ({ Ref: logicalId(template, 'AWS::SNS::Topic', path) });
const subscriptions = (template: Template) =>
  Object.values(template.findResources('AWS::SNS::Subscription')).map((r) => (r as { Properties: Record<string, unknown> }).Properties);

describe('paging', () => {
  it.each(['staging', 'prod'] as const)('refuses to synthesize %s when its alarms would page nobody', (env) => {
    expect(() => synth(env, {})).toThrow(`${env} pages nobody: name the on-call people in alarms.page (shared/config/environments.ts), or give -c onCallEmail=<address> or -c onCallWebhookUrl=<https url>`);
  });

  it('synthesizes dev without a page subscription (nothing there trades money)', () => {
    expect(subscriptions(templateFor('dev'))).toEqual([]);
  });

  it('subscribes -c onCallEmail and -c onCallWebhookUrl (a PagerDuty events endpoint) to the on-call topic', () => {
    const template = synth('prod', { onCallEmail: 'oncall@example.com', onCallWebhookUrl: 'https://events.pagerduty.com/integration/abc123/enqueue' });
    expect(subscriptions(template)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: topic(template, 'OnCall/Topic') }),
        expect.objectContaining({ Protocol: 'https', Endpoint: 'https://events.pagerduty.com/integration/abc123/enqueue', TopicArn: topic(template, 'OnCall/Topic') }),
      ]),
    );
    expect(subscriptions(template)).toHaveLength(2);
  });

  it('refuses a webhook that is not https and an address that is not one, naming the option', () => {
    expect(() => synth('prod', { onCallWebhookUrl: 'http://events.pagerduty.com/x' })).toThrow('-c onCallWebhookUrl: must be an https:// URL');
    expect(() => synth('prod', { onCallEmail: 'oncall' })).toThrow('-c onCallEmail: must be an e-mail address');
  });

  it('sends the page and ticket tiers of the configuration to their topics, and a Slack channel through AWS Chatbot', () => {
    const prod = loadEnvironmentConfig('prod');
    const config: EnvironmentConfig = {
      ...prod,
      alarms: { ...prod.alarms, page: { slack: { workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' } }, ticket: { emails: ['desk@example.com'] } },
    };
    const template = Template.fromStack(createTradingStack(fastApp({ operators: EXAMPLE_OPERATORS }), config));
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0456EFGH',
      SnsTopicArns: [topic(template, 'OnCall/Topic')],
    });
    expect(subscriptions(template)).toEqual([expect.objectContaining({ Protocol: 'email', Endpoint: 'desk@example.com', TopicArn: topic(template, 'OnCall/TicketTopic') })]);
  });
});

describe('alarm tiers', () => {
  const template = templateFor('prod');
  const actionsOf = (path: string) => {
    const props = template.findResources('AWS::CloudWatch::Alarm')[logicalId(template, 'AWS::CloudWatch::Alarm', path)]?.Properties as Record<string, unknown>;
    return { alarm: props.AlarmActions, ok: props.OKActions };
  };
  const page = topic(template, 'OnCall/Topic');
  const ticket = topic(template, 'OnCall/TicketTopic');

  it.each([
    ['RiskFunction/ErrorAlarm', page],
    ['KillSwitchApi/KillSwitchFunction/ThrottleAlarm', page],
    ['CircuitBreaker/BreakerFunction/ThrottleAlarm', page],
    ['CircuitBreaker/FailedExecutionsAlarm', page],
    ['OrderDeadLetterAlarm', page],
    ['RiskFunction/ThrottleAlarm', ticket],
    ['OrderFunction/ThrottleAlarm', ticket],
    ['Watchdog/CalendarCoverageAlarmXNYS', ticket],
  ])('sends %s to its tier, when it fires and when it clears', (path, to) => {
    expect(actionsOf(path)).toEqual({ alarm: [to], ok: [to] });
  });

  it('notifies exactly one tier from every alarm', () => {
    for (const [id, r] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) {
      const actions = ((r as { Properties: { AlarmActions?: unknown[] } }).Properties.AlarmActions ?? []).filter((a) => JSON.stringify(a) === JSON.stringify(page) || JSON.stringify(a) === JSON.stringify(ticket));
      expect(actions, id).toHaveLength(1);
    }
  });
});
