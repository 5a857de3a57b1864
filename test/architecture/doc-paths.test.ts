// The README and the docs are a map of the code: every repository path they name must exist, so a file that
// moves or is renamed cannot leave a reader at a dead end.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './import-graph';

const TOP_LEVEL = ['shared', 'adapters', 'functions', 'infra', 'local', 'statemachines', 'strategies', 'bench', 'test', 'docs', '.ci'];
const PATH = new RegExp(`(?<![\\w./-])((?:${TOP_LEVEL.map((t) => t.replace('.', '\\.')).join('|')})/[\\w./-]*[\\w/])`, 'g');

/** Repository paths a document names: in code spans, links or prose; placeholders such as `<name>` are skipped. */
const pathsIn = (markdown: string): string[] =>
  [...new Set([...markdown.matchAll(PATH)].map((m) => m[1] ?? ''))].filter((p) => p !== '' && !/[<>*]/.test(p));

const missing = (docs: readonly { name: string; text: string }[], exists: (path: string) => boolean): string[] =>
  docs.flatMap(({ name, text }) => pathsIn(text).filter((p) => !exists(p)).map((p) => `${name} names ${p}, which does not exist`));

const documents = (): { name: string; text: string }[] => [
  { name: 'README.md', text: readFileSync(join(ROOT, 'README.md'), 'utf8') },
  ...readdirSync(join(ROOT, 'docs'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.md'))
    .map((f) => ({ name: `docs/${f}`, text: readFileSync(join(ROOT, 'docs', f), 'utf8') })),
];

describe('documentation paths', () => {
  it('reports a path that does not exist and skips placeholders (the check itself can fail)', () => {
    const planted = [{ name: 'planted.md', text: 'Read `shared/risk/evaluate.ts`, then [the gone one](shared/risk/gone.ts), `functions/<name>/handler.ts` and shared/ports/.' }];
    const exists = (p: string) => ['shared/risk/evaluate.ts', 'shared/ports/'].includes(p);
    expect(missing(planted, exists)).toEqual(['planted.md names shared/risk/gone.ts, which does not exist']);
  });

  it('names only paths that exist, in the README and every page of docs/', () => {
    expect(missing(documents(), (p) => existsSync(join(ROOT, p)))).toEqual([]);
  });
});
