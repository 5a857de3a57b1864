// The Pager for local runs: pages are kept for the report, never delivered. Sending always succeeds.
import type { Page, Pager } from '../shared/ports/pager';

export class RecordingPager implements Pager {
  readonly pages: Page[] = [];

  async page(page: Page): Promise<void> {
    this.pages.push(page);
  }
}
