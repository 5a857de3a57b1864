// Tests and the local runtime must run on the Node major the Lambda functions run on (nodejs22.x).
import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs the suite on Node 22, the Lambda runtime', () => {
    expect(process.versions.node.split('.')[0]).toBe('22');
  });
});
