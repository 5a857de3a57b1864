// The restore rehearsal runs in the suite: a short session's table is exported, restored into a new table, found
// equal to the export item type by item type, and reconciles clean against that session's broker; then the source's
// ledger, damaged, is copied back from the restored table and reconciles clean too. Times are reported by
// `npm run dr:rehearse`, never asserted here.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatRehearsal, rehearseRestore } from '../../local/dr-rehearsal';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dr-rehearsal-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('restore rehearsal', () => {
  it('exports a traded table, restores it into a new table with every item unchanged, reconciles it clean, and repairs a damaged ledger from it', { timeout: 180_000 }, async () => {
    const report = await rehearseRestore({ dynamoEndpoint: inject('dynamoEndpoint'), durationMs: 3000, seed: 7, dir });
    expect(report.session.fills).toBeGreaterThan(0);
    expect(report.export.items).toBeGreaterThan(0);
    expect(report.restore.items).toBe(report.export.items);
    expect(Object.values(report.compare.itemTypes).reduce((sum, t) => sum + t.count, 0)).toBe(report.export.items);
    // What recovery must bring back is there: orders, fills, positions, the book, the trading state and the audit trail.
    expect(Object.keys(report.compare.itemTypes)).toEqual(expect.arrayContaining(['ORDERS/ORDER', 'ACCOUNT/FILL', 'ACCOUNT/POSITION', 'ACCOUNT/BOOK', 'CONTROL/STATE', 'AUDIT']));
    expect(report.compare.differences).toEqual([]);
    expect(report.reconciliation).toMatchObject({ status: 'clean', breaks: [] });
    expect(report.ok).toBe(true);
    expect(report.copyBack).toMatchObject({ damagedReconciliation: 'breaks', remaining: 0, reconciliation: { status: 'clean', breaks: [] } });
    expect(report.copyBack.damaged).toBeGreaterThanOrEqual(3);
    expect(report.copyBack.written).toBe(report.copyBack.planned);
    expect((await readFile(report.export.file, 'utf8')).trim().split('\n')).toHaveLength(report.export.items);
    expect(formatRehearsal(report)).toMatch(/result {6}PASS$/);
  });
});
