// Every port of the domain core has an adapter: an interface in shared/ports that nothing in adapters/ or
// local/ implements is a dependency the running system cannot satisfy (or a port that should not exist).
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse, readSources, type Source } from './import-graph';

const isFunctionType = (type: ts.TypeNode | undefined): boolean =>
  type !== undefined && (ts.isFunctionTypeNode(type) || (ts.isParenthesizedTypeNode(type) && isFunctionType(type.type)));

const isMethod = (member: ts.TypeElement): boolean => ts.isMethodSignature(member) || (ts.isPropertySignature(member) && isFunctionType(member.type));

/** Exported interfaces that declare a method (or a property of function type); data shapes are not ports. */
const portsOf = (text: string): string[] =>
  parse(text)
    .statements.filter(ts.isInterfaceDeclaration)
    .filter((decl) => decl.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword))
    .filter((decl) => decl.members.some(isMethod))
    .map((decl) => decl.name.text);

const lastName = (name: ts.Node): string | undefined =>
  ts.isIdentifier(name) ? name.text : ts.isPropertyAccessExpression(name) ? name.name.text : ts.isQualifiedName(name) ? name.right.text : undefined;

/** The types a source implements: `class … implements A, B` and `const x: A = …`. */
const implementedIn = (text: string): string[] => {
  const found: (string | undefined)[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isClassLike(node)) {
      const clauses = (node.heritageClauses ?? []).filter((clause) => clause.token === ts.SyntaxKind.ImplementsKeyword);
      found.push(...clauses.flatMap((clause) => clause.types.map((type) => lastName(type.expression))));
    }
    if (ts.isVariableDeclarationList(node) && node.flags & ts.NodeFlags.Const) {
      for (const decl of node.declarations) {
        if (decl.initializer && decl.type && ts.isTypeReferenceNode(decl.type)) found.push(lastName(decl.type.typeName));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(text));
  return found.filter((name) => name !== undefined);
};

const portsWithoutAdapter = (ports: readonly Source[], adapters: readonly Source[]): string[] => {
  const implemented = new Set(adapters.flatMap((source) => implementedIn(source.text)));
  return ports.flatMap(({ path, text }) =>
    portsOf(text)
      .filter((port) => !implemented.has(port))
      .map((port) => `${port} (${path}) has no adapter: no class implements it and no const is declared of its type in adapters/ or local/`),
  );
};

describe('port adapters', () => {
  const plantedPort: Source = {
    path: 'shared/ports/planted.ts',
    text: [
      'export interface Widget { spin(): Promise<void> }',
      'export interface Hook { on: (event: string) => void }',
      'export interface Shape { size: number; tags?: string[] }',
      'interface Internal { run(): void }',
    ].join('\n'),
  };

  it('reports a planted port nothing implements, and not its data shapes (the checker itself can fail)', () => {
    const adapters = [{ path: 'adapters/x/hook.ts', text: 'export class LoggingHook implements Other, Hook { on() {} }' }];
    expect(portsWithoutAdapter([plantedPort], adapters)).toEqual([
      'Widget (shared/ports/planted.ts) has no adapter: no class implements it and no const is declared of its type in adapters/ or local/',
    ]);
  });

  it('accepts a class implementing a port among others, or a const declared of its type', () => {
    const adapters = [
      { path: 'adapters/x/widget.ts', text: 'export const widget: ports.Widget = { spin: async () => {} };' },
      { path: 'local/hook.ts', text: 'export class LocalHook extends Base implements Other, Hook { on() {} }' },
    ];
    expect(portsWithoutAdapter([plantedPort], adapters)).toEqual([]);
  });

  it('finds the ports in shared/ports and leaves their data shapes out', () => {
    const ports = readSources('shared/ports').flatMap((source) => portsOf(source.text));
    expect(ports).toEqual(expect.arrayContaining(['Clock', 'Broker', 'BrokerUpdateStream', 'EventBus', 'OrderStore', 'Pager', 'Telemetry']));
    expect(ports).not.toContain('Page');
    expect(ports).not.toContain('RiskSnapshot');
  });

  it('has an adapter in adapters/ or local/ for every port in shared/ports', () => {
    expect(portsWithoutAdapter(readSources('shared/ports'), [...readSources('adapters'), ...readSources('local')])).toEqual([]);
  });
});
