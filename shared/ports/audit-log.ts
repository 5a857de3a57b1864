// The read side of the audit trail: every entry of one order, and one account's entries of one UTC day.
// Pages are oldest first and never short before the end; a cursor is opaque and only valid for the query
// that returned it. Every implementation rejects the same inputs, so the checks live here (parseDayQuery).
import { AUDIT_KINDS, type AuditEntry, type AuditKind } from '../audit/audit-entry';
import { InvalidInputError } from '../errors/errors';
import { isoToEpochMs } from '../time/iso-time';

export interface AuditPage {
  entries: AuditEntry[];
  /** Present exactly when more entries follow; pass it back unchanged to read the next page. */
  cursor?: string;
}

export interface AuditPageOptions {
  /** Entries per page, 1 to MAX_AUDIT_PAGE; DEFAULT_AUDIT_PAGE when absent. */
  limit?: number;
  cursor?: string;
}

export interface AuditDayOptions extends AuditPageOptions {
  /** Only entries of these kinds; a page still holds `limit` entries unless the day ends first. */
  kinds?: readonly AuditKind[];
  /** Inclusive lower bound, an ISO instant (YYYY-MM-DDTHH:MM:SS.sssZ) within the day. */
  from?: string;
  /** Exclusive upper bound, an ISO instant within the day or the next day's midnight. */
  to?: string;
}

export interface AuditLog {
  /**
   * Every entry of one correlation id (for an order's entries, its intent id), across days and
   * components, oldest first. May lag a just-committed write by a moment (see the implementation).
   */
  byCorrelation(correlationId: string, options?: AuditPageOptions): Promise<AuditPage>;
  /** One account's entries of one UTC day (YYYY-MM-DD), oldest first. */
  byDay(account: string, day: string, options?: AuditDayOptions): Promise<AuditPage>;
}

export const DEFAULT_AUDIT_PAGE = 100;
export const MAX_AUDIT_PAGE = 1000;

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;

const invalid = (path: string, rule: string): InvalidInputError => new InvalidInputError([{ path, rule }]);

/** The page size, checked: a fractional, zero or huge limit is a caller's mistake, not a request to clamp. */
export const parseLimit = (limit: number | undefined): number => {
  if (limit === undefined) return DEFAULT_AUDIT_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) throw invalid('limit', `must be an integer from 1 to ${MAX_AUDIT_PAGE}`);
  return limit;
};

export const parseId = (path: string, value: string): string => {
  if (typeof value !== 'string' || value.length === 0) throw invalid(path, 'must be a non-empty string');
  return value;
};

/** Epoch ms of the canonical form only: it is also the stored sort-key prefix, so string order is time order. */
const canonicalInstant = (path: string, value: string): number => {
  const ms = isoToEpochMs(value);
  if (value.length !== 24 || !Number.isFinite(ms) || new Date(ms).toISOString() !== value) {
    throw invalid(path, 'must be an ISO instant such as 2026-03-10T14:30:00.000Z');
  }
  return ms;
};

export interface DayQuery {
  account: string;
  day: string;
  kinds: readonly AuditKind[] | undefined;
  limit: number;
  from: string | undefined;
  to: string | undefined;
}

/** Checks a by-day query, naming the field and the rule it breaks. */
export const parseDayQuery = (account: string, day: string, options: AuditDayOptions = {}): DayQuery => {
  parseId('account', account);
  // A real calendar date: 2026-02-30 would otherwise name a partition that can never hold anything.
  const dayStart = typeof day === 'string' && DAY_PATTERN.test(day) ? isoToEpochMs(`${day}T00:00:00.000Z`) : Number.NaN;
  if (!Number.isFinite(dayStart)) throw invalid('day', 'must be a calendar date YYYY-MM-DD (UTC)');
  const limit = parseLimit(options.limit);
  let kinds: AuditKind[] | undefined;
  if (options.kinds !== undefined) {
    if (!Array.isArray(options.kinds) || options.kinds.length === 0) throw invalid('kinds', 'must name at least one audit kind');
    const unknown = options.kinds.filter((k) => !(AUDIT_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0) throw invalid('kinds', `must be audit kinds (${AUDIT_KINDS.join(', ')}); got ${unknown.join(', ')}`);
    kinds = [...new Set(options.kinds)];
  }
  const fromMs = options.from === undefined ? undefined : canonicalInstant('from', options.from);
  const toMs = options.to === undefined ? undefined : canonicalInstant('to', options.to);
  if (fromMs !== undefined && (fromMs < dayStart || fromMs >= dayStart + MS_PER_DAY)) throw invalid('from', `must be within ${day}`);
  if (toMs !== undefined && (toMs < dayStart || toMs > dayStart + MS_PER_DAY)) throw invalid('to', `must be within ${day} or its end`);
  if (fromMs !== undefined && toMs !== undefined && toMs < fromMs) throw invalid('to', 'must not be before from');
  return { account, day, kinds, limit, from: options.from, to: options.to };
};
