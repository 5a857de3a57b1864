// Glue shared by the Lambda handlers: rejecting bad input (named field and rule, counted, logged) and the
// Powertools logger. Handlers stay thin: parse, wire, call, map.
import { Logger } from '@aws-lambda-powertools/logger';
import type * as z from 'zod';
import { InvalidInputError } from '../../shared/errors/errors';
import type { Log } from '../../shared/ports/log';
import type { Telemetry } from '../../shared/ports/telemetry';
import { parseOrThrow } from '../../shared/errors/zod-issues';
import { METRICS } from '../../shared/telemetry/metrics';

const loggers = new Map<string, Logger>();

/**
 * The function's logger, one per service name: the handler, its stored calendars and the invocation wrapper
 * (functions/support/invocation.ts) share it, so the correlation id the wrapper sets is on every line.
 */
export const createLogger = (serviceName: string): Logger => {
  let logger = loggers.get(serviceName);
  if (!logger) loggers.set(serviceName, (logger = new Logger({ serviceName })));
  return logger;
};

export interface RejectionContext {
  telemetry: Telemetry;
  logger: Pick<Log, 'error'>;
}

/** Parses `input`; on failure counts InvalidInput{function, field}, logs the issues and rethrows. */
export const parseInput = <S extends z.ZodType>(ctx: RejectionContext, fn: string, schema: S, input: unknown, prefix = ''): z.output<S> => {
  try {
    return parseOrThrow(schema, input, prefix);
  } catch (error) {
    if (error instanceof InvalidInputError) {
      const field = error.issues[0]?.path ?? '(root)';
      ctx.telemetry.count(METRICS.invalidInput, { function: fn, field });
      ctx.logger.error('input rejected', { function: fn, issues: error.issues });
    }
    throw error;
  }
};

/** JSON.parse that reports malformed JSON as an input error on the named field. */
export const parseJson = (ctx: RejectionContext, fn: string, text: string, field: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const error = new InvalidInputError([{ path: field, rule: 'must be valid JSON' }], { cause });
    ctx.telemetry.count(METRICS.invalidInput, { function: fn, field });
    ctx.logger.error('input rejected', { function: fn, issues: error.issues });
    throw error;
  }
};
