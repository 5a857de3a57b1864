// The domain core (shared/) must not depend on the AWS SDK or any Lambda tooling: adapters implement its
// ports. This test reads every import in shared/ with the TypeScript parser, so a new one cannot slip in.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const FORBIDDEN = [/^@aws-sdk\//, /^aws-sdk$/, /^@aws-lambda-powertools\//, /^aws-cdk-lib/, /^constructs$/, /^@smithy\//];

const tsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : [];
  });

export const importsOf = (source: string): string[] => {
  const file = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    }
    if (ts.isCallExpression(node) && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) {
        found.push(node.arguments[0].text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
};

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

  it('keeps shared/ from importing adapters, functions, infra or the local runtime', () => {
    const offenders = tsFiles(join(ROOT, 'shared')).flatMap((path) =>
      importsOf(readFileSync(path, 'utf8'))
        .filter((spec) => /(^|\/)\.\.\/(\.\.\/)*(adapters|functions|infra|local)(\/|$)/.test(spec))
        .map((spec) => `${relative(ROOT, path)} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});
