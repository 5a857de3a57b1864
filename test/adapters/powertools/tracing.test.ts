// The tracer wrapper: one subsegment per invocation, closed however the handler ends, annotated from the raw event
// without ever failing the invocation; and Powertools' own rule that tracing is off outside Lambda.
import { Tracer } from '@aws-lambda-powertools/tracer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { annotationsOf, captureClient, functionTracer, traced, type InvocationTracer } from '../../../adapters/powertools/tracing';
import { killSwitchInvocationKeys } from '../../../functions/kill-switch/invocation-keys';
import { orderInvocationKeys } from '../../../functions/order/invocation-keys';
import { riskInvocationKeys } from '../../../functions/risk/invocation-keys';
import { breakerInvocationKeys } from '../../../functions/breaker/invocation-keys';
import { reconciliationInvocationKeys } from '../../../functions/reconciliation/invocation-keys';
import { deadManSwitchInvocationKeys } from '../../../functions/dead-man-switch/invocation-keys';
import { ACCOUNT, intendedEvent, intentFor } from '../../support/fixtures';
import { approvedMessage, brokerUpdate, cancelAllMessage, cancelMessage, queueBatch } from '../../support/invocation-events';
import { ALICE, gatewayContext, postEvent } from '../../support/kill-switch-api';

class FakeSegment {
  readonly subsegments: FakeSegment[] = [];
  closed = false;
  constructor(
    readonly name: string,
    private readonly failOnClose = false,
  ) {}
  addNewSubsegment(name: string): FakeSegment {
    const sub = new FakeSegment(name, this.failOnClose);
    this.subsegments.push(sub);
    return sub;
  }
  close(): void {
    this.closed = true;
    if (this.failOnClose) throw new Error('segment could not be serialized');
  }
}

/** A tracer that records what the wrapper does with segments, annotations and errors. */
const recordingTracer = (options: { failOnClose?: boolean } = {}) => {
  const facade = new FakeSegment('facade', options.failOnClose);
  let current = facade;
  const annotations: Record<string, unknown> = {};
  const errors: unknown[] = [];
  const tracer = {
    isTracingEnabled: () => true,
    getSegment: () => current,
    setSegment: (segment: FakeSegment) => {
      current = segment;
    },
    annotateColdStart: () => {
      annotations.ColdStart = true;
    },
    addServiceNameAnnotation: () => {
      annotations.Service = 'test';
    },
    putAnnotation: (key: string, value: unknown) => {
      annotations[key] = value;
    },
    addErrorAsMetadata: (error: unknown) => {
      errors.push(error);
    },
  };
  return { tracer: tracer as unknown as InvocationTracer, facade, current: () => current, annotations, errors };
};

const none = () => ({});

describe('the traced handler', () => {
  it('calls the handler with its event and context and answers what it answers', async () => {
    const { tracer } = recordingTracer();
    const handler = vi.fn(async (event: { n: number }, context: { awsRequestId: string }) => ({ doubled: event.n * 2, requestId: context.awsRequestId }));
    await expect(traced('risk', handler, none, tracer)({ n: 21 }, { awsRequestId: 'req-1' })).resolves.toEqual({ doubled: 42, requestId: 'req-1' });
    expect(handler).toHaveBeenCalledWith({ n: 21 }, { awsRequestId: 'req-1' });
  });

  it('runs the handler inside its own "## <service>" subsegment, closes it and restores the parent when it answers', async () => {
    const t = recordingTracer();
    let during: FakeSegment | undefined;
    await traced('order', async (_event: unknown) => {
      during = t.current();
    }, none, t.tracer)(undefined);
    expect(t.facade.subsegments.map((s) => s.name)).toEqual(['## order']);
    expect(during).toBe(t.facade.subsegments[0]);
    expect(t.facade.subsegments[0]?.closed).toBe(true);
    expect(t.current()).toBe(t.facade);
  });

  it('closes the invocation\'s subsegment, restores the parent and records the error when the handler throws', async () => {
    const t = recordingTracer();
    const failure = new Error('table unavailable');
    await expect(traced('breaker', (_event: unknown) => Promise.reject(failure), none, t.tracer)({})).rejects.toBe(failure);
    expect(t.facade.subsegments[0]?.closed).toBe(true);
    expect(t.current()).toBe(t.facade);
    expect(t.errors).toEqual([failure]);
  });

  it('opens one subsegment per invocation', async () => {
    const t = recordingTracer();
    const handler = traced('risk', async (_event: unknown) => 'ok', none, t.tracer);
    await handler({});
    await handler({});
    expect(t.facade.subsegments).toHaveLength(2);
    expect(t.facade.subsegments.every((s) => s.closed)).toBe(true);
  });

  it('annotates the subsegment with cold start, service, and the account, symbol and intent id the event carries', async () => {
    const t = recordingTracer();
    await traced('risk', async (_event: unknown) => 'ok', riskInvocationKeys.annotate, t.tracer)(intendedEvent(intentFor('i-1', { symbol: 'MSFT' })));
    expect(t.annotations).toEqual({ ColdStart: true, Service: 'test', account: ACCOUNT, symbol: 'MSFT', intentId: 'i-1' });
  });

  it('still answers when reading the annotations throws (a hostile event), with no annotation from the event', async () => {
    const t = recordingTracer();
    const hostile = new Proxy({}, { get: () => { throw new Error('no reading this'); } });
    await expect(traced('risk', async (_event: unknown) => 'answered', riskInvocationKeys.annotate, t.tracer)(hostile)).resolves.toBe('answered');
    expect(t.annotations).not.toHaveProperty('account');
    expect(t.facade.subsegments[0]?.closed).toBe(true);
  });

  it('answers even when closing the subsegment fails (the trace is lost, not the answer)', async () => {
    const t = recordingTracer({ failOnClose: true });
    await expect(traced('order', async (_event: unknown) => 'answered', none, t.tracer)({})).resolves.toBe('answered');
    expect(t.current()).toBe(t.facade);
  });

  it('just runs the handler when there is no segment to attach to', async () => {
    const t = recordingTracer();
    const tracer = { ...(t.tracer as object), getSegment: () => undefined } as unknown as InvocationTracer;
    await expect(traced('risk', async (_event: unknown) => 'answered', riskInvocationKeys.annotate, tracer)(intendedEvent(intentFor('i-1')))).resolves.toBe('answered');
    expect(t.annotations).toEqual({});
  });

  it('caps an annotation at the 1000 characters X-Ray keeps', async () => {
    const t = recordingTracer();
    await traced('risk', async (_event: unknown) => 'ok', () => ({ intentId: 'x'.repeat(1500) }), t.tracer)({});
    expect((t.annotations.intentId as string).length).toBe(1000);
  });
});

describe('tracing outside Lambda', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('is off in the tests and the local run (no AWS_EXECUTION_ENV): the handler runs with no segment asked for', async () => {
    expect(process.env.AWS_EXECUTION_ENV).toBeUndefined();
    const tracer = functionTracer('risk');
    expect(tracer.isTracingEnabled()).toBe(false);
    const getSegment = vi.spyOn(tracer, 'getSegment');
    await expect(traced('risk', async (n: number) => n + 1, riskInvocationKeys.annotate, tracer)(1)).resolves.toBe(2);
    expect(getSegment).not.toHaveBeenCalled();
  });

  it('is off in Lambda too when POWERTOOLS_TRACE_ENABLED is false, and on in Lambda otherwise', () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    // Without HTTP capture: building an enabled Tracer would otherwise patch http for the whole test worker.
    expect(new Tracer({ serviceName: 'risk', captureHTTPsRequests: false }).isTracingEnabled()).toBe(true);
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    expect(new Tracer({ serviceName: 'risk', captureHTTPsRequests: false }).isTracingEnabled()).toBe(false);
  });

  it('keeps one Tracer for the process, named by its first caller', () => {
    expect(functionTracer('order')).toBe(functionTracer());
  });

  it('leaves an AWS SDK client as it is when tracing is off, and captures it through the tracer when on', () => {
    const client = { send: async () => ({}) };
    expect(captureClient(client)).toBe(client);
    const wrapped = { send: async () => ({ traced: true }) };
    const tracer = { captureAWSv3Client: vi.fn(() => wrapped) };
    expect(captureClient(client, tracer as unknown as Pick<Tracer, 'captureAWSv3Client'>)).toBe(wrapped);
    expect(tracer.captureAWSv3Client).toHaveBeenCalledWith(client);
  });
});

describe('annotations from the events each function receives', () => {
  it('joins the distinct values of a batch, so one value reads as itself', () => {
    expect(annotationsOf([{ account: 'a', intentId: 'i-1' }, { account: 'a', intentId: 'i-2' }, { symbol: '' }])).toEqual({ account: 'a', intentId: 'i-1,i-2' });
  });

  it('annotates a risk intake batch with its account, symbols and every intent id', () => {
    const batch = queueBatch([intendedEvent(intentFor('i-1', { symbol: 'AAPL' })), intendedEvent(intentFor('i-2', { symbol: 'MSFT' }))]);
    expect(riskInvocationKeys.annotate(batch)).toEqual({ account: ACCOUNT, symbol: 'AAPL,MSFT', intentId: 'i-1,i-2' });
  });

  it('annotates a risk batch from its well-formed records only', () => {
    expect(riskInvocationKeys.annotate(queueBatch(['{not json', intendedEvent(intentFor('i-1'))]))).toEqual({ account: ACCOUNT, symbol: 'AAPL', intentId: 'i-1' });
  });

  it('annotates the risk sweep with nothing (it covers every account)', () => {
    expect(riskInvocationKeys.annotate({ source: 'aws.events', 'detail-type': 'Scheduled Event', id: 's-1', detail: {} })).toEqual({});
  });

  it('annotates an order message with its account, symbol and intent id, whatever its kind', () => {
    expect(orderInvocationKeys.annotate(queueBatch([approvedMessage('i-1', 'AAPL')]))).toEqual({ account: ACCOUNT, symbol: 'AAPL', intentId: 'i-1' });
    expect(orderInvocationKeys.annotate(queueBatch([cancelMessage('i-2', 'TSLA')]))).toEqual({ account: ACCOUNT, symbol: 'TSLA', intentId: 'i-2' });
    expect(orderInvocationKeys.annotate(queueBatch([brokerUpdate('i-3', 'MSFT')]))).toEqual({ account: ACCOUNT, symbol: 'MSFT', intentId: 'i-3' });
    expect(orderInvocationKeys.annotate(queueBatch([cancelAllMessage('req-9')]))).toEqual({ account: ACCOUNT });
  });

  it('annotates an API Gateway call with the account its body names, or its query for a GET', () => {
    expect(killSwitchInvocationKeys.annotate(postEvent('/kill-switch', { account: 'acct-2', reason: 'runaway' }))).toEqual({ account: 'acct-2' });
    const encoded = { ...postEvent('/kill-switch', {}), body: Buffer.from(JSON.stringify({ account: 'acct-3', reason: 'r' })).toString('base64'), isBase64Encoded: true };
    expect(killSwitchInvocationKeys.annotate(encoded)).toEqual({ account: 'acct-3' });
    const status = { resource: '/status', path: '/status', httpMethod: 'GET', headers: {}, queryStringParameters: { account: 'acct-4' }, body: null, requestContext: gatewayContext('GET', ALICE) };
    expect(killSwitchInvocationKeys.annotate(status)).toEqual({ account: 'acct-4' });
  });
});

/** Shapes a function may be handed that are not its event: the keys read them without a throw. */
const MALFORMED: unknown[] = [
  undefined,
  null,
  42,
  'text',
  [],
  {},
  { Records: 'not a list' },
  { Records: [null, 7, 'x', {}, { body: 42 }, { body: '{not json' }, { body: 'null' }, { body: '[1,2]' }, { body: '{"detail":{"data":null}}' }] },
  { detail: null, input: [] },
  { detail: { meta: 'x', data: { intent: 5, update: { order: null } } } },
  { source: 'aws.events', id: 42 },
  { requestContext: 7, body: '%%%not base64', isBase64Encoded: true, queryStringParameters: 'account=x' },
  { body: 'bnVsbA==', isBase64Encoded: true },
  { body: '"a string"' },
];

const EVERY_FUNCTION = {
  risk: riskInvocationKeys,
  order: orderInvocationKeys,
  'kill-switch': killSwitchInvocationKeys,
  breaker: breakerInvocationKeys,
  reconciliation: reconciliationInvocationKeys,
  'dead-man-switch': deadManSwitchInvocationKeys,
};

describe.each(Object.entries(EVERY_FUNCTION))('the %s keys on malformed events', (_name, keys) => {
  it.each(MALFORMED.map((event) => [JSON.stringify(event) ?? String(event), event]))('never throw on %s', (_label, event) => {
    expect(() => keys.annotate(event)).not.toThrow();
    expect(() => keys.correlationId(event)).not.toThrow();
    for (const value of Object.values(keys.annotate(event))) expect(['string', 'undefined']).toContain(typeof value);
  });
});
