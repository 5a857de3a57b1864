// docs/audit.md is the list of what is audited and who writes it: a new audit kind must be documented there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_KINDS } from '../../shared/audit/audit-entry';

const ROOT = join(import.meta.dirname, '..', '..');

describe('audit documentation', () => {
  it('documents every audit kind in the table of docs/audit.md', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'audit.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...AUDIT_KINDS].sort());
  });
});
