// The domain core (shared/) must not depend on the AWS SDK or any Lambda tooling: adapters implement its
// ports. This test reads every import in shared/ with the TypeScript parser, so a new one cannot slip in.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, ROOT, tsFiles } from './import-graph';

const FORBIDDEN = [/^@aws-sdk\//, /^aws-sdk$/, /^@aws-lambda-powertools\//, /^aws-cdk-lib/, /^constructs$/, /^@smithy\//];

describe('domain purity', () => {
  it('finds static, dynamic and require imports (the checker itself can fail)', () => {
    const source = `import { A } from '@aws-sdk/client-sqs';\nexport * from './x';\nconst m = await import('@aws-sdk/client-dynamodb');\nrequire('aws-sdk');`;
    expect(importsOf(source)).toEqual(['@aws-sdk/client-sqs', './x', '@aws-sdk/client-dynamodb', 'aws-sdk']);
  });

  it('keeps the AWS SDK, Powertools and CDK out of every module in shared/', () => {
    const offenders = tsFiles(join(ROOT, 'shared')).flatMap((path) =>
      importsOf(readFileSync(path, 'utf8'))
        .filter((spec) => FORBIDDEN.some((re) => re.test(spec)))
        .map((spec) => `${relative(ROOT, path)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps shared/ from importing adapters, the feed program, functions, infra or the local runtime', () => {
    // Judged by where an import lands, not how it is spelt: shared/config's '../feed/' is shared/feed.
    const outside = /^(adapters|feed|functions|infra|local)(\/|$)/;
    const offenders = tsFiles(join(ROOT, 'shared')).flatMap((path) =>
      importsOf(readFileSync(path, 'utf8'))
        .filter((spec) => spec.startsWith('.') && outside.test(relative(ROOT, resolve(dirname(path), spec))))
        .map((spec) => `${relative(ROOT, path)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
