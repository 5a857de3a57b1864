// One room per concern, measured: no source file past 500 lines and no function past 100, the sizes at which
// a module or a function has usually become two. Tests are left out (a specification may be long).
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readSources, SOURCE_FOLDERS, type Source } from './import-graph';

const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 100;

const lineCount = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

const nameOf = (node: ts.Node): string => {
  const named = (node as { name?: ts.Node }).name;
  if (named) return named.getText();
  if (ts.isVariableDeclaration(node.parent)) return node.parent.name.getText();
  if (ts.isPropertyAssignment(node.parent)) return node.parent.name.getText();
  return '(anonymous)';
};

/** Every function-like node (declarations, arrows, expressions, methods, accessors, constructors) over the limit. */
const oversized = (sources: readonly Source[]): string[] =>
  sources.flatMap(({ path, text }) => {
    const found: string[] = [];
    const lines = lineCount(text);
    if (lines > MAX_FILE_LINES) found.push(`${path} has ${lines} lines (at most ${MAX_FILE_LINES})`);
    const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
        const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
        const length = last - first + 1;
        if (length > MAX_FUNCTION_LINES) found.push(`${path}:${first + 1} ${nameOf(node)} has ${length} lines (at most ${MAX_FUNCTION_LINES})`);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
    return found;
  });

describe('module size', () => {
  it('reports a file over 500 lines and a function over 100 (the check itself can fail)', () => {
    const long = Array.from({ length: 101 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const planted: Source[] = [
      { path: 'planted/long-function.ts', text: `export const tooLong = () => {\n${long}\n};\n` },
      { path: 'planted/long-file.ts', text: Array.from({ length: 501 }, (_, i) => `export const c${i} = ${i};`).join('\n') },
      { path: 'planted/fine.ts', text: 'export class Small {\n  method(): number {\n    return 1;\n  }\n}\n' },
    ];
    expect(oversized(planted)).toEqual(['planted/long-function.ts:1 tooLong has 103 lines (at most 100)', 'planted/long-file.ts has 501 lines (at most 500)']);
  });

  it('keeps every source file within 500 lines and every function within 100', () => {
    expect(oversized(SOURCE_FOLDERS.flatMap(readSources))).toEqual([]);
  });
});
