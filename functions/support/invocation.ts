// Each Lambda invocation's observability: the Lambda context and a correlation id on every line of the function's
// logger, the invocation traced in X-Ray with its annotations, and the wiring's AWS SDK clients captured.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { installClientCapture } from '../../adapters/aws/client-capture';
import { captureClient, functionTracer, traced, type Annotate, type InvocationTracer } from '../../adapters/powertools/tracing';
import { createLogger } from './handler-support';

/** What one function reads from its raw event: pure, and never trusted to be well-formed (they run before validation). */
export interface InvocationKeys {
  /** The invocation's own id, or undefined when it has none (a batch of several): the Lambda request id stands in. */
  correlationId: (event: unknown) => string | undefined;
  annotate: Annotate;
}

export type InvocationLogger = Pick<Logger, 'addContext' | 'setCorrelationId' | 'resetKeys'>;

const requestIdOf = (context: unknown): string | undefined => {
  const id = typeof context === 'object' && context !== null ? (context as { awsRequestId?: unknown }).awsRequestId : undefined;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
};

/** A context Lambda passed (a test or the local run may pass part of one, or none). */
const isLambdaContext = (context: unknown): context is Context =>
  requestIdOf(context) !== undefined && typeof (context as { functionName?: unknown }).functionName === 'string';

const correlationIdOf = (correlationId: InvocationKeys['correlationId'], event: unknown, context: unknown): string | undefined => {
  try {
    return correlationId(event) ?? requestIdOf(context);
  } catch {
    return requestIdOf(context);
  }
};

/**
 * The handler with the invocation's keys on the logger: the Lambda context (cold start, request id, function) and
 * the correlation id, cleared when it ends so none is carried into the container's next invocation.
 */
export const withCorrelation =
  <A extends unknown[], R>(logger: InvocationLogger, correlationId: InvocationKeys['correlationId'], handler: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    const [event, context] = args;
    if (isLambdaContext(context)) logger.addContext(context);
    const id = correlationIdOf(correlationId, event, context);
    if (id !== undefined) logger.setCorrelationId(id);
    try {
      return await handler(...args);
    } finally {
      logger.resetKeys();
    }
  };

export interface ObservedOptions {
  /** Default: the function's logger (createLogger), the one its handler logs through. */
  logger?: InvocationLogger;
  /** Default: the function's Powertools Tracer. */
  tracer?: InvocationTracer;
}

/**
 * The exported Lambda handler: correlated logs inside a traced invocation. Wrapping it also installs the tracer's
 * capture for the AWS SDK clients the wiring builds afterwards (a no-op outside Lambda, where tracing is off).
 */
export const observed = <A extends unknown[], R>(serviceName: string, keys: InvocationKeys, handler: (...args: A) => Promise<R>, options: ObservedOptions = {}) => {
  const tracer = functionTracer(serviceName);
  installClientCapture((client) => captureClient(client, tracer));
  return traced(serviceName, withCorrelation(options.logger ?? createLogger(serviceName), keys.correlationId, handler), keys.annotate, options.tracer ?? tracer);
};
