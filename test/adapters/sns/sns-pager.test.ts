// The SNS pager at the SDK boundary (SNS has no local stand-in): one publish per page to the on-call topic,
// a subject SNS accepts, and a failure that reaches the caller with its cause.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SnsPager } from '../../../adapters/sns/sns-pager';
import { InfrastructureError } from '../../../shared/errors/errors';

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:on-call';
const page = { severity: 'critical' as const, account: 'acct-1', subject: 'trading KILLED on acct-1', message: 'kill switch activated by ops', correlationId: 'req-1' };

beforeEach(() => sns.reset());

describe('SNS pager', () => {
  it('publishes one message to the on-call topic with the severity, the account and the correlation', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsPager(new SNSClient({}), TOPIC).page(page);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toMatchObject({
      TopicArn: TOPIC,
      Subject: '[CRITICAL] trading KILLED on acct-1',
      MessageAttributes: { severity: { StringValue: 'critical' }, account: { StringValue: 'acct-1' } },
    });
    expect(calls[0]?.args[0].input.Message).toContain('correlation: req-1');
  });

  it('cuts a long subject to the 100 characters SNS accepts and keeps it on one line', async () => {
    sns.on(PublishCommand).resolves({});
    await new SnsPager(new SNSClient({}), TOPIC).page({ ...page, subject: `line one\n${'x'.repeat(200)}` });
    const subject = sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject ?? '';
    expect(subject).toHaveLength(100);
    expect(subject).not.toMatch(/\n/);
  });

  it('reports a failed publish as an infrastructure error that keeps its cause', async () => {
    const cause = new Error('throttled');
    sns.on(PublishCommand).rejects(cause);
    const error = await new SnsPager(new SNSClient({}), TOPIC).page(page).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).cause).toBe(cause);
  });
});
