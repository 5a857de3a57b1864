// Identifier schemas and deterministic id derivation. Ids are derived from their inputs (never random)
// so a replayed message produces the same ids and every consumer can dedupe on them.
import { createHash } from 'node:crypto';
import * as z from 'zod';

/** Intent ids double as the broker's client order id, which Alpaca caps at 48 characters. */
export const IntentIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,47}$/, { error: 'must be 1-48 characters of letters, digits, "_", ".", ":" or "-"' });
export const AccountIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 characters of letters, digits, "_" or "-"' });
export const StrategyIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be 1-64 characters of letters, digits, "_", "." or "-"' });
export const SymbolSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Z][A-Z0-9./-]{0,15}$/, { error: 'must be an upper-case ticker of at most 16 characters' });

/** Millisecond-precision UTC timestamp in ISO 8601 form, e.g. 2026-11-23T14:30:00.123Z. */
export const UtcTimestampSchema = z
  .string({ error: 'must be a string' })
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,9}Z$/, { error: 'must be a UTC ISO-8601 timestamp with milliseconds and a Z suffix' });

export const deterministicId = (prefix: string, ...parts: string[]): string =>
  `${prefix}_${createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 32)}`;

