// The local pager: pages are kept in the order they were sent, for the report, and sending never fails.
import { describe, expect, it } from 'vitest';
import { RecordingPager } from '../../local/recording-pager';
import type { Page } from '../../shared/ports/pager';
import { ACCOUNT } from '../support/fixtures';

const page = (correlationId: string): Page => ({ severity: 'critical', account: ACCOUNT, subject: `trading HALTED on ${ACCOUNT}`, message: 'test', correlationId });

describe('the recording pager', () => {
  it('keeps every page in the order it was sent', async () => {
    const pager = new RecordingPager();
    await pager.page(page('b-1'));
    await pager.page(page('b-2'));
    expect(pager.pages.map((p) => p.correlationId)).toEqual(['b-1', 'b-2']);
  });
});
