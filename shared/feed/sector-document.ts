// The operator's sector document (reference/sectors.json): symbol → sector, from the closed list in
// shared/market/sectors.ts. Read once when the feed task starts; invariant: a document that does not parse is
// refused whole, each offending symbol named with its rule, so no refresh ever writes a misspelt sector.
import * as z from 'zod';
import { SymbolSchema } from '../events/ids';
import { InvalidInputError } from '../errors/errors';
import { issuesOf } from '../errors/zod-issues';
import { SectorSchema, type Sector } from '../market/sectors';

/** A key that is no ticker is named with the ticker's rule (zod would say only "invalid key"). */
const keyRule = (key: unknown): string => `the symbol ${SymbolSchema.safeParse(key).error?.issues[0]?.message ?? 'must be a ticker'}`;

export const SectorDocumentSchema = z.record(SymbolSchema, SectorSchema, {
  error: (issue) => (issue.code === 'invalid_key' ? keyRule(issue.input) : issue.code === 'invalid_type' ? 'must be a JSON object of symbol → sector' : undefined),
});
export type SectorDocument = z.infer<typeof SectorDocumentSchema>;

/** The document's sectors, or an InvalidInputError whose issues name each symbol (`<source>.<symbol>`) and rule. */
export const readSectorDocument = (json: unknown, source = 'sectors'): Readonly<Record<string, Sector>> => {
  const parsed = SectorDocumentSchema.safeParse(json);
  if (!parsed.success) throw new InvalidInputError(issuesOf(parsed.error, source), { cause: parsed.error });
  return parsed.data;
};
