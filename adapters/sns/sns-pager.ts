// SNS adapter of the paging port: one Publish to the on-call topic per page (the topic's subscriptions reach
// the person). Subjects are cut to SNS's 100-character limit; a failed publish is an InfrastructureError
// keeping its cause, so the caller's fail-closed path runs (a page is never dropped silently).
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { InfrastructureError } from '../../shared/errors/errors';
import type { Page, Pager } from '../../shared/ports/pager';

const MAX_SUBJECT = 100;

/** SNS subjects are ASCII without line breaks, at most 100 characters. */
const subjectOf = (page: Page): string => {
  const plain = `[${page.severity.toUpperCase()}] ${page.subject}`.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
  return plain.length <= MAX_SUBJECT ? plain : `${plain.slice(0, MAX_SUBJECT - 3)}...`;
};

export class SnsPager implements Pager {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async page(page: Page): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subjectOf(page),
          Message: `${page.message}\n\naccount: ${page.account}\ncorrelation: ${page.correlationId}\nseverity: ${page.severity}`,
          MessageAttributes: {
            severity: { DataType: 'String', StringValue: page.severity },
            account: { DataType: 'String', StringValue: page.account },
          },
        }),
      );
    } catch (error) {
      throw new InfrastructureError(`paging on-call failed: ${page.subject}`, 'sns', { cause: error });
    }
  }
}
