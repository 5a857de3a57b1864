// The repository's import graph, read with the TypeScript parser: which source file imports which, and the
// graph questions the architecture tests ask of it (cycles, a chain from one set of files to another).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

export const ROOT = join(import.meta.dirname, '..', '..');

/** Every folder of non-test source; test/ mirrors them and is left out. */
export const SOURCE_FOLDERS = ['shared', 'adapters', 'functions', 'feed', 'infra', 'local', 'strategies', 'bench'] as const;

/** From a file (repo-relative, '/'-separated) to the files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export const tsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : [];
  });

export const parse = (source: string): ts.SourceFile => ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, false);

/** Every module specifier: imports (type-only too), re-exports, dynamic import('…') and require('…'). */
export const importsOf = (source: string): string[] => {
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
  visit(parse(source));
  return found;
};

const isFile = (path: string): boolean => statSync(join(ROOT, path), { throwIfNoEntry: false })?.isFile() ?? false;

/** The file a relative specifier names, as the bundler resolves it; undefined when none exists. */
const resolveRelative = (fromFile: string, spec: string): string | undefined => {
  const base = posix.join(posix.dirname(fromFile), spec);
  const stem = base.replace(/\.js$/, '');
  return [base, `${stem}.ts`, `${stem}/index.ts`].find(isFile);
};

export interface Source {
  /** Repo-relative, '/'-separated. */
  path: string;
  text: string;
}

/** Every .ts file under a folder of the repository. */
export const readSources = (folder: string): Source[] =>
  tsFiles(join(ROOT, folder)).map((path) => ({ path: relative(ROOT, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));

/**
 * The graph of every non-test source file; `unresolved` lists relative imports that name no file, so a
 * missed edge cannot hide a cycle.
 */
export const sourceGraph = (): { graph: ImportGraph; unresolved: string[] } => {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const { path, text } of SOURCE_FOLDERS.flatMap(readSources).filter((source) => !source.path.endsWith('.test.ts'))) {
    const targets = importsOf(text)
      .filter((spec) => spec.startsWith('.'))
      .flatMap((spec) => {
        const target = resolveRelative(path, spec);
        if (target === undefined) unresolved.push(`${path} imports ${spec}`);
        return target === undefined ? [] : [target];
      });
    graph.set(path, [...new Set(targets)]);
  }
  return { graph, unresolved };
};

/** Breadth-first from `roots`: every file reached, with the file it was first reached from. */
const walk = (graph: ImportGraph, roots: Iterable<string>): Map<string, string | undefined> => {
  const cameFrom = new Map<string, string | undefined>();
  const queue = [...new Set(roots)];
  queue.forEach((root) => cameFrom.set(root, undefined));
  // The loop also visits what it appends.
  for (const node of queue) {
    for (const next of graph.get(node) ?? []) {
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return cameFrom;
};

/** The chain walked to `target`, first root first; undefined when the walk never reached it. */
const chainTo = (cameFrom: ReadonlyMap<string, string | undefined>, target: string): string[] | undefined => {
  if (!cameFrom.has(target)) return undefined;
  const chain = [target];
  for (let prev = cameFrom.get(target); prev !== undefined; prev = cameFrom.get(prev)) chain.unshift(prev);
  return chain;
};

/** The shortest chain [root, …, target] of imports from any of `roots` to `target`; undefined when none. */
export const importChain = (graph: ImportGraph, roots: Iterable<string>, target: string): string[] | undefined => chainTo(walk(graph, roots), target);

/**
 * One cycle per group of files that import each other, written [a, b, …, a] from the group's first file
 * and as short as possible through it; empty when the graph has no cycle.
 */
export const findCycles = (graph: ImportGraph): string[][] => {
  const nodes = [...new Set([...graph.keys(), ...[...graph.values()].flat()])].sort();
  const reaches = new Map(nodes.map((node) => [node, walk(graph, graph.get(node) ?? [])]));
  const grouped = new Set<string>();
  return nodes.flatMap((node) => {
    if (grouped.has(node)) return [];
    const reached = reaches.get(node) ?? new Map<string, string | undefined>();
    const chain = chainTo(reached, node);
    if (chain === undefined) return [];
    for (const other of reached.keys()) if (reaches.get(other)?.has(node)) grouped.add(other);
    return [[node, ...chain]];
  });
};

export const formatChain = (chain: readonly string[]): string => chain.join(' → ');

/** The folder a file belongs to, e.g. shared/risk for shared/risk/limits.ts; undefined outside `parent`. */
export const folderOf = (file: string, parent: string): string | undefined => {
  const dir = posix.dirname(file);
  const rest = dir.startsWith(`${parent}/`) ? dir.slice(parent.length + 1) : undefined;
  return rest === undefined ? undefined : `${parent}/${rest.split('/')[0]}`;
};
