// No import cycles: none between source files, and none between the folders of shared/, so each part of the
// domain core can be read, tested and moved on top of the parts it uses.
import { describe, expect, it } from 'vitest';
import { findCycles, folderOf, formatChain, type ImportGraph, importsOf, sourceGraph } from './import-graph';

const fileCycles = (graph: ImportGraph): string[] => findCycles(graph).map(formatChain);

/** Each cycle between folders of `parent`, with one file import per edge: the import to move to break it. */
const folderCycles = (graph: ImportGraph, parent: string): string[] => {
  const witness = new Map<string, Map<string, string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file, parent);
    for (const target of targets) {
      const to = folderOf(target, parent);
      if (from === undefined || to === undefined || from === to) continue;
      const edges = witness.get(from) ?? new Map<string, string>();
      if (!edges.has(to)) edges.set(to, `${file} imports ${target}`);
      witness.set(from, edges);
    }
  }
  const folders: ImportGraph = new Map([...witness].map(([from, edges]) => [from, [...edges.keys()]]));
  return findCycles(folders).map((cycle) =>
    [formatChain(cycle), ...cycle.slice(1).map((to, i) => `  ${witness.get(cycle[i] ?? '')?.get(to)}`)].join('\n'),
  );
};

const planted = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

describe('import cycles', () => {
  it('reads type-only imports, re-exports and dynamic imports as edges', () => {
    const source = `import type { A } from './a';\nexport { B } from './b';\nexport * from './c';\nconst d = () => import('./d');`;
    expect(importsOf(source)).toEqual(['./a', './b', './c', './d']);
  });

  it('reports a planted cycle between files by its files (the checker itself can fail)', () => {
    const graph = planted({
      'shared/a/x.ts': ['shared/a/y.ts'],
      'shared/a/y.ts': ['shared/a/z.ts', 'shared/a/leaf.ts'],
      'shared/a/z.ts': ['shared/a/x.ts'],
      'shared/a/self.ts': ['shared/a/self.ts'],
    });
    expect(fileCycles(graph)).toEqual(['shared/a/self.ts → shared/a/self.ts', 'shared/a/x.ts → shared/a/y.ts → shared/a/z.ts → shared/a/x.ts']);
  });

  it('reports a planted cycle between folders of shared/ with one file import per edge', () => {
    const graph = planted({
      'shared/risk/limits.ts': ['shared/money/decimal.ts'],
      'shared/money/decimal.ts': [],
      'shared/money/format.ts': ['shared/orders/order.ts'],
      'shared/orders/order.ts': ['shared/risk/scope.ts'],
      'shared/risk/scope.ts': [],
    });
    expect(fileCycles(graph)).toEqual([]);
    expect(folderCycles(graph, 'shared')).toEqual([
      [
        'shared/money → shared/orders → shared/risk → shared/money',
        '  shared/money/format.ts imports shared/orders/order.ts',
        '  shared/orders/order.ts imports shared/risk/scope.ts',
        '  shared/risk/limits.ts imports shared/money/decimal.ts',
      ].join('\n'),
    ]);
  });

  it('passes a planted graph without cycles', () => {
    const graph = planted({
      'shared/orders/order.ts': ['shared/money/decimal.ts', 'shared/risk/scope.ts'],
      'shared/risk/scope.ts': ['shared/money/decimal.ts'],
      'shared/money/decimal.ts': [],
      'adapters/x.ts': ['shared/orders/order.ts', 'shared/risk/scope.ts'],
    });
    expect(fileCycles(graph)).toEqual([]);
    expect(folderCycles(graph, 'shared')).toEqual([]);
  });

  const { graph, unresolved } = sourceGraph();

  it('resolves every relative import of the source to a file, so no edge is missed', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(unresolved).toEqual([]);
  });

  it('has no cycle between source files', () => {
    expect(fileCycles(graph)).toEqual([]);
  });

  it('has no cycle between the folders of shared/', () => {
    expect(folderCycles(graph, 'shared')).toEqual([]);
  });
});
