// Inputs with exactly one thing wrong, built from any valid JSON value so they follow the schemas as they change:
// one node (field or array element) removed, replaced by a wrong value, or given an extra key; and garbage.
// Invariant: the valid value is never modified (each mutation works on a clone) and every result is JSON data.
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** Every node below the root, parents before children. */
export const pathsOf = (value: unknown, prefix: Path = []): Path[] => {
  if (Array.isArray(value)) return value.flatMap((item, i) => [[...prefix, i], ...pathsOf(item, [...prefix, i])]);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...pathsOf(item, [...prefix, key])]);
  }
  return [];
};

const LONG = 'x'.repeat(5_000);

/** Strings that look like numbers, ids or times but are not what any field accepts; and some that are odd text. */
const WRONG_STRINGS = [
  '', ' ', 'NaN', 'Infinity', '-Infinity', '-1', '0', '-0', '0.0', '1e309', '1e-400', '1E3', '0x10', '1,000', ' 12', '12 ', '1.', '.5', '+5',
  '00012', '１２', '١٢', '𝟙𝟚', '9'.repeat(400), `0.${'1'.repeat(100)}`, LONG, 'é', 'Ω≈ç√', '\u0000', '\u202e', '\ud800', '<script>', "' OR 1=1 --",
  '2026-02-30T10:00:00.000Z', '2026-11-23T15:00:00Z', '2026-11-23 15:00:00', 'null', 'undefined', '[]', '{}', 'true', 'AAPL ', 'aapl', '*', '#',
] as const;

const WRONG_VALUES: readonly Json[] = [null, true, false, 0, -1, 1.5, -0.0001, 1e308, -1e308, 2 ** 53 + 1, [], {}, [null], { a: 1 }];

/** A value of the wrong kind, shape or range for any field. */
export const wrongValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom<Json>(...WRONG_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...WRONG_VALUES) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.double({ noDefaultInfinity: true, noNaN: true }) },
);

const EXTRA_KEYS = ['extra', 'principal', 'account', '__proto__', 'constructor', 'toString', '', 'ä'];

const clone = <T>(value: T): T => structuredClone(value);

/** Sets an own property the way JSON.parse would, `__proto__` included. */
const define = (target: Record<string, unknown>, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

const nodeAt = (root: unknown, path: Path): unknown => path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);

/** The valid value with the node at `path` changed; undefined when the change is not possible there. */
const mutateAt = (valid: unknown, path: Path, how: 'delete' | 'replace' | 'extra', value: Json, extraKey: string): { value: unknown; mutation: string } | undefined => {
  const result = clone(valid);
  const parent = nodeAt(result, path.slice(0, -1)) as Record<string | number, unknown> | unknown[];
  const key = path[path.length - 1] as string | number;
  const name = path.join('.');
  if (how === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
    return { value: result, mutation: `delete ${name}` };
  }
  if (how === 'replace') {
    if (JSON.stringify(nodeAt(result, path)) === JSON.stringify(value)) return undefined;
    if (Array.isArray(parent)) parent[key as number] = value;
    else define(parent as Record<string, unknown>, key as string, value);
    return { value: result, mutation: `replace ${name} with ${JSON.stringify(value)?.slice(0, 60)}` };
  }
  const node = nodeAt(result, path);
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  if (Object.prototype.hasOwnProperty.call(node, extraKey)) return undefined;
  define(node as Record<string, unknown>, extraKey, value);
  return { value: result, mutation: `add ${name}.${extraKey || '""'} = ${JSON.stringify(value)?.slice(0, 60)}` };
};

export interface OneWrongOptions {
  /** Paths (dot-joined) to leave alone, e.g. parts a transport fills in that the entry point never reads. */
  skip?: (path: string) => boolean;
}

/**
 * A valid value with one node deleted, replaced by a wrong value, or (an object) given one extra key. A change
 * that happens to be impossible at the drawn node falls back to replacing that node.
 */
export const oneFieldWrong = <T>(valid: fc.Arbitrary<T>, options: OneWrongOptions = {}): fc.Arbitrary<{ input: T; mutation: string }> =>
  fc
    .tuple(valid, fc.nat(), fc.constantFrom('delete' as const, 'replace' as const, 'replace' as const, 'extra' as const), wrongValue, fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 8 })))
    .map(([value, pick, how, wrong, extraKey]) => {
      const paths = pathsOf(value).filter((p) => !options.skip?.(p.join('.')));
      const path = paths[pick % Math.max(paths.length, 1)];
      if (path === undefined) return { input: value, mutation: 'none (no field to change)' };
      const changed = mutateAt(value, path, how, wrong, extraKey) ?? mutateAt(value, path, 'replace', wrong === 'NaN' ? 'Infinity' : 'NaN', extraKey);
      return changed ? { input: changed.value as T, mutation: changed.mutation } : { input: value, mutation: 'none' };
    });

/** Arbitrary JSON, strings and odd shapes: what a confused or hostile sender might put anywhere. */
export const garbageJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 0, '', [], {}, LONG, { detail: null }, { Records: null }, [[[[[]]]]]) },
);

/** Raw text that is often not JSON at all. */
export const garbageText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '{', '[', '{"a":', 'null', '"\\ud800"', '[1,2', LONG, '\u0000', '{"__proto__":{"x":1}}') },
);
