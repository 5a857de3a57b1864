// The operator list given at synth: `-c operators=<file.json>` (a JSON array, kept outside the repository by the
// team that deploys), inline JSON, or an array in cdk.json's context. It joins the environment's configuration
// before validation, so it meets the same schema and messages; a list in both places is refused as ambiguous.
import { readFileSync } from 'node:fs';
import { EnvironmentConfigSchema, type EnvironmentConfig } from '../shared/config/environments';
import { issuesOf } from '../shared/errors/zod-issues';

const parseText = (text: string, from: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`-c operators: ${from} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
};

const readValue = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  if (value.trimStart().startsWith('[')) return parseText(value, 'the inline list');
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (error) {
    throw new Error(`-c operators=${value}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  return parseText(text, value);
};

/** `config` with the context's operator list, validated; `config` itself when the context gives none. */
export const withOperatorsFromContext = (config: EnvironmentConfig, value: unknown): EnvironmentConfig => {
  if (value === undefined || value === null || value === '') return config;
  if (config.operators) throw new Error(`-c operators: ${config.name} already lists its operators in shared/config/environments.ts; give them in one place`);
  const parsed = EnvironmentConfigSchema.safeParse({ ...config, operators: readValue(value) });
  if (!parsed.success) {
    const issues = issuesOf(parsed.error).map((i) => `${i.path}: ${i.rule}`);
    throw new Error(`-c operators: ${issues.join('; ')}`);
  }
  return parsed.data;
};
