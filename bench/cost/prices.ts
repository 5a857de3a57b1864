// The price table (bench/cost/prices.json) as the model reads it: validated on load, so no price is used
// without its unit, its source page and the date it was last published where it was found.
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { Decimal } from '../../shared/money/decimal';

const PriceSchema = z
  .object({
    service: z.string().min(1),
    description: z.string().min(1),
    /** Dollars for `per` units, as a decimal string: prices are fractions of cents and stay exact. */
    usd: z.string().regex(/^\d+(\.\d+)?$/),
    per: z.number().int().positive(),
    unit: z.string().min(1),
    source: z.url().startsWith('https://aws.amazon.com/'),
    /** When the figure was last published where it was found (YYYY-MM or YYYY-MM-DD). */
    asOf: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/),
    /** Checked against the live AWS page: false for every entry written offline. */
    verified: z.boolean(),
    /** The dated copy the figure was checked against, when one was found. */
    checkedVia: z.url().nullable(),
    note: z.string().optional(),
  })
  .strict();
export type Price = z.infer<typeof PriceSchema>;

export const PriceTableSchema = z
  .object({
    region: z.string(),
    currency: z.literal('USD'),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    provenance: z.string().min(1),
    prices: z.record(z.string(), PriceSchema),
  })
  .strict();
export type PriceTable = z.infer<typeof PriceTableSchema>;

export const PRICES_PATH = new URL('./prices.json', import.meta.url);

export const loadPriceTable = (path: URL | string = PRICES_PATH): PriceTable => PriceTableSchema.parse(JSON.parse(readFileSync(path, 'utf8')));

/** Dollars per one unit of the price `id` (exact); an unknown id is a bug in the model, so it throws. */
export const unitPrice = (table: PriceTable, id: string): Decimal => {
  const price = table.prices[id];
  if (!price) throw new Error(`no price "${id}" in the price table`);
  return new Decimal(price.usd).div(price.per);
};
