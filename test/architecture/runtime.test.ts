// Tests and the local runtime must run on the Node major the Lambda functions run on (nodejs22.x).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs the suite on Node 22, the Lambda runtime', () => {
    expect(process.versions.node.split('.')[0]).toBe('22');
  });

  it('names nodejs22.x explicitly for every function', () => {
    const source = readFileSync(join(import.meta.dirname, '..', '..', 'infra', 'trading-function.ts'), 'utf8');
    expect(source).toContain('Runtime.NODEJS_22_X');
    expect(source).not.toContain('NODEJS_LATEST');
  });
});
