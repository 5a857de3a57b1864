// Turns zod issues into field/rule pairs so every rejection names the field and the rule it broke.
import type * as z from 'zod';
import { InvalidInputError } from './errors';

export const issuesOf = (error: z.ZodError, prefix = ''): { path: string; rule: string }[] =>
  error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.') || '(root)',
    rule: issue.message,
  }));

/** Parses or throws an InvalidInputError naming every offending field. */
export const parseOrThrow = <S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> => {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidInputError(issuesOf(result.error, prefix), { cause: result.error });
  return result.data;
};
