// An account's incident timeline for a post-mortem: the audit entries of one order (its intent id), or of a
// period of at most seven days, oldest first, capped so one request cannot read without end; as JSON for a
// program and as Markdown for the write-up. Reads through the AuditLog port only. Invariant: every entry
// returned is the account's (an order id of another account yields nothing).
import * as z from 'zod';
import type { AuditLog } from '../ports/audit-log';
import { MAX_AUDIT_PAGE } from '../ports/audit-log';
import type { AuditEntry } from '../audit/audit-entry';
import { AccountIdSchema } from '../events/ids';

export const MAX_TIMELINE_DAYS = 7;
/** Entries one timeline holds at most; `truncated` says when the period held more. */
export const MAX_TIMELINE_ENTRIES = 5_000;
const MS_PER_DAY = 86_400_000;

const Instant = z.iso.datetime({ precision: 3, error: 'must be an ISO instant such as 2026-03-10T14:30:00.000Z' });

export const TimelineQuerySchema = z
  .object({
    account: AccountIdSchema,
    /** One order: its intent id (the correlation id of every entry about it). */
    order: z.string().min(1, { error: 'must be a non-empty intent id' }).max(200, { error: 'must be at most 200 characters' }).optional(),
    from: Instant.optional(),
    to: Instant.optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.order !== undefined) {
      if (q.from !== undefined || q.to !== undefined) ctx.addIssue({ code: 'custom', path: ['order'], message: 'must not be given with from or to: a timeline is of one order or of a period' });
      return;
    }
    if (q.from === undefined) ctx.addIssue({ code: 'custom', path: ['from'], message: 'is required without order (the period starts here)' });
    if (q.to === undefined) ctx.addIssue({ code: 'custom', path: ['to'], message: 'is required without order (the period ends here, exclusive)' });
    if (q.from === undefined || q.to === undefined) return;
    const span = Date.parse(q.to) - Date.parse(q.from);
    if (span <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (span > MAX_TIMELINE_DAYS * MS_PER_DAY) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_TIMELINE_DAYS} days after from` });
  });
export type TimelineQuery = z.infer<typeof TimelineQuerySchema>;

export interface Timeline {
  account: string;
  query: TimelineQuery;
  entries: AuditEntry[];
  /** True when more entries matched than a timeline holds (MAX_TIMELINE_ENTRIES): narrow the period. */
  truncated: boolean;
}

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Reads the timeline the query names (already checked by TimelineQuerySchema), at most `maxEntries` of it. */
export const readTimeline = async (log: AuditLog, query: TimelineQuery, maxEntries = MAX_TIMELINE_ENTRIES): Promise<Timeline> => {
  const entries: AuditEntry[] = [];
  let truncated = false;
  const take = (page: readonly AuditEntry[]): boolean => {
    for (const entry of page) {
      if (entry.account !== query.account) continue;
      if (entries.length >= maxEntries) return (truncated = true);
      entries.push(entry);
    }
    return false;
  };
  if (query.order !== undefined) {
    let cursor: string | undefined;
    do {
      const page = await log.byCorrelation(query.order, { limit: MAX_AUDIT_PAGE, ...(cursor ? { cursor } : {}) });
      if (take(page.entries)) break;
      cursor = page.cursor;
    } while (cursor);
    return { account: query.account, query, entries, truncated };
  }
  const fromMs = Date.parse(query.from ?? '');
  const toMs = Date.parse(query.to ?? '');
  for (let dayStart = Date.parse(`${dayOf(fromMs)}T00:00:00.000Z`); dayStart < toMs && !truncated; dayStart += MS_PER_DAY) {
    const from = new Date(Math.max(fromMs, dayStart)).toISOString();
    const to = new Date(Math.min(toMs, dayStart + MS_PER_DAY)).toISOString();
    let cursor: string | undefined;
    do {
      const page = await log.byDay(query.account, dayOf(dayStart), { from, to, limit: MAX_AUDIT_PAGE, ...(cursor ? { cursor } : {}) });
      if (take(page.entries)) break;
      cursor = page.cursor;
    } while (cursor);
  }
  return { account: query.account, query, entries, truncated };
};

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** What an entry's detail says in one cell: its fields as `key=value`, objects as JSON. */
const detailOf = (detail: Record<string, unknown>): string =>
  Object.entries(detail)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');

/** The timeline as a Markdown document: a heading naming the account and the period or order, then one row per entry. */
export const timelineMarkdown = (timeline: Timeline): string => {
  const { query } = timeline;
  const scope = query.order !== undefined ? `order ${query.order}` : `${query.from} to ${query.to}`;
  const lines = [
    `# Timeline of ${timeline.account}: ${scope}`,
    '',
    `${timeline.entries.length} audit entries${timeline.truncated ? ' (truncated: more matched; narrow the period)' : ''}, oldest first (UTC).`,
    '',
    '| time | kind | actor | correlation | detail |',
    '|---|---|---|---|---|',
    ...timeline.entries.map((e) => `| ${e.occurredAt} | ${e.kind} | ${cell(e.actor)} | ${cell(e.correlationId)} | ${cell(detailOf(e.detail))} |`),
  ];
  return `${lines.join('\n')}\n`;
};
