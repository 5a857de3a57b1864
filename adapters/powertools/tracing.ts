// X-Ray tracing over the Powertools Tracer: one Tracer per function, AWS SDK clients captured, and one subsegment
// per invocation annotated with the account, symbol and intent id. Outside Lambda Powertools turns itself off.
import { Tracer } from '@aws-lambda-powertools/tracer';

/** What an invocation is searchable by in X-Ray; a batch of several joins its distinct values (see `annotationsOf`). */
export interface TraceAnnotations {
  account?: string;
  symbol?: string;
  intentId?: string;
}

/** Reads the annotations from the raw event, before it is validated: it may meet anything. */
export type Annotate = (event: unknown) => TraceAnnotations;

/** The part of a Tracer the wrapper uses (a test passes a recording one). */
export type InvocationTracer = Pick<
  Tracer,
  'isTracingEnabled' | 'getSegment' | 'setSegment' | 'annotateColdStart' | 'addServiceNameAnnotation' | 'putAnnotation' | 'addErrorAsMetadata'
>;

const ANNOTATION_KEYS = ['account', 'symbol', 'intentId'] as const;
/** X-Ray keeps annotation values up to 1000 characters; a longer one would be dropped with the segment. */
const MAX_ANNOTATION_LENGTH = 1000;

let shared: Tracer | undefined;

/**
 * The process's one Tracer: a Lambda container runs one function, so the first name given is its name. One
 * instance also means HTTP and fetch are patched once (every enabled Tracer patches them when it is built).
 */
export const functionTracer = (serviceName?: string): Tracer => (shared ??= new Tracer(serviceName ? { serviceName } : {}));

/** The client with X-Ray capture of each call (a subsegment per request); the same client when tracing is off. */
export const captureClient = <C>(client: C, tracer: Pick<Tracer, 'captureAWSv3Client'> = functionTracer()): C => tracer.captureAWSv3Client(client);

/**
 * The annotations of several items (a batch): each key's distinct values, comma-joined, so a single value reads
 * as itself and `annotation.intentId CONTAINS "…"` still finds any one of a batch's intents.
 */
export const annotationsOf = (items: readonly TraceAnnotations[]): TraceAnnotations => {
  const out: TraceAnnotations = {};
  for (const key of ANNOTATION_KEYS) {
    const values = [...new Set(items.map((item) => item[key]).filter((v): v is string => typeof v === 'string' && v.length > 0))];
    if (values.length > 0) out[key] = values.join(',');
  }
  return out;
};

/** Annotations are a search aid: whatever the event holds, reading them never fails the invocation. */
const annotateSafely = (tracer: InvocationTracer, annotate: Annotate, event: unknown): void => {
  try {
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    const found = annotate(event);
    for (const key of ANNOTATION_KEYS) {
      const value = found[key];
      if (typeof value === 'string' && value.length > 0) tracer.putAnnotation(key, value.slice(0, MAX_ANNOTATION_LENGTH));
    }
  } catch {
    // Nothing to annotate with; the handler validates the event and reports it.
  }
};

/** Closing a subsegment serializes it; a failure there loses trace data, never the invocation's answer. */
const closeQuietly = (subsegment: { close(): void }): void => {
  try {
    subsegment.close();
  } catch {
    // As Powertools' own handler capture does: the trace is incomplete, the invocation is not.
  }
};

/**
 * The handler inside its own subsegment ("## <service>"), as Powertools documents manual instrumentation: cold
 * start, service and the event's annotations on it, an error as metadata, closed and the parent restored however
 * the handler ends. The response is never added (it can hold account data). Off, it is the handler itself.
 */
export const traced =
  <A extends unknown[], R>(serviceName: string, handler: (...args: A) => Promise<R>, annotate: Annotate, tracer: InvocationTracer = functionTracer(serviceName)) =>
  async (...args: A): Promise<R> => {
    if (!tracer.isTracingEnabled()) return handler(...args);
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${serviceName}`);
    // Without a segment (no trace context) there is nothing to annotate: the handler just runs.
    if (subsegment) {
      tracer.setSegment(subsegment);
      annotateSafely(tracer, annotate, args[0]);
    }
    try {
      return await handler(...args);
    } catch (error) {
      if (subsegment) tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      if (subsegment) closeQuietly(subsegment);
      if (segment) tracer.setSegment(segment);
    }
  };
