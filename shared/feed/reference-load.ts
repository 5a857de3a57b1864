// An operator loads reference data (average daily volume, sector) for symbols the feed cannot fetch, or to fix
// a bad value before the feed's next refresh replaces it. The document is validated whole before anything is
// written (each symbol a ticker, ADV a positive decimal, sector one of the known sectors) and the load is audited
// for every account of the environment, since the reference item is shared by all of them.
import * as z from 'zod';
import { auditEntry, type AuditEntry } from '../audit/audit-entry';
import { parseOrThrow } from '../errors/zod-issues';
import { SymbolSchema } from '../events/ids';
import type { Clock } from '../ports/clock';
import type { MarketDataStore } from '../ports/market-data-store';
import { utcNow } from '../time/utc';
import { SectorSchema } from '../market/sectors';

/** One symbol's reference data; at least one field. */
export const ReferenceEntrySchema = z
  .object({
    adv: z.string().regex(/^(?!0+(\.0+)?$)\d{1,15}(\.\d{1,8})?$/, { error: 'must be a positive decimal string (shares a day), such as "48000000"' }).optional(),
    sector: SectorSchema.optional(),
  })
  .strict()
  .refine((entry) => entry.adv !== undefined || entry.sector !== undefined, { error: 'must give adv, sector or both' });

/** At most 500 symbols a load: what one reference item comfortably holds. */
export const ReferenceDocumentSchema = z
  .record(SymbolSchema, ReferenceEntrySchema)
  .refine((doc) => Object.keys(doc).length >= 1 && Object.keys(doc).length <= 500, { error: 'must give 1 to 500 symbols' });
export type ReferenceDocument = z.infer<typeof ReferenceDocumentSchema>;

export const LoadReferenceRequestSchema = z
  .object({
    reference: ReferenceDocumentSchema,
    reason: z.string({ error: 'must give a reason' }).trim().min(1, { error: 'must give a reason' }).max(1000, { error: 'must be at most 1000 characters' }),
    principal: z.string().trim().min(3, { error: 'must name the person (at least 3 characters)' }).max(2048),
    requestId: z.string().min(1).max(200),
  })
  .strict();

export interface ReferenceLoadDeps {
  marketDataStore: Pick<MarketDataStore, 'putReference'>;
  audit: { recordAudit(entries: readonly AuditEntry[]): Promise<void> };
  /** The environment's accounts: each gets the load's audit entry. */
  accounts: readonly string[];
  clock: Clock;
}

export interface ReferenceLoadResult {
  outcome: 'loaded';
  symbols: string[];
  loadedBy: string;
  at: string;
}

/** Validates, audits, then writes: an entry that says a load happened may precede a failed write, never follow an unrecorded one. */
export const loadReference = async (deps: ReferenceLoadDeps, input: unknown): Promise<ReferenceLoadResult> => {
  const request = parseOrThrow(LoadReferenceRequestSchema, input);
  const at = utcNow(deps.clock.now());
  const symbols = Object.keys(request.reference).sort();
  await deps.audit.recordAudit(
    deps.accounts.map((account) =>
      auditEntry({
        account,
        occurredAt: at,
        kind: 'REFERENCE_LOADED',
        actor: request.principal,
        correlationId: request.requestId,
        causationId: `operator:${request.principal}`,
        detail: { reason: request.reason, reference: request.reference },
      }),
    ),
  );
  await deps.marketDataStore.putReference(request.reference);
  return { outcome: 'loaded', symbols, loadedBy: request.principal, at };
};
