// The invocation wrapper every exported handler goes through: the Lambda context and the correlation id on every
// line the function's Powertools logger writes during the invocation, and on none after it.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../functions/support/handler-support';
import { observed, withCorrelation, type InvocationKeys } from '../../../functions/support/invocation';
import { riskInvocationKeys } from '../../../functions/risk/invocation-keys';
import { intendedEvent, intentFor } from '../../support/fixtures';
import { queueBatch } from '../../support/invocation-events';

const lambdaContext = (awsRequestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'TradingSafety-dev-risk',
  functionVersion: '7',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:TradingSafety-dev-risk:live',
  memoryLimitInMB: '512',
  awsRequestId,
  logGroupName: '/aws/lambda/risk',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** A Powertools logger at INFO (the suite runs them SILENT) and the JSON lines it writes. */
const capturedLogger = () => {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter((l) => l.startsWith('{'))) lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  // Powertools writes INFO to stdout and ERROR to stderr.
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return { logger: new Logger({ serviceName: 'risk', logLevel: 'INFO' }), lines };
};

const keys = (correlationId: InvocationKeys['correlationId']): InvocationKeys => ({ correlationId, annotate: () => ({}) });

afterEach(() => vi.restoreAllMocks());

describe('the correlation id on the function\'s log lines', () => {
  it('puts the event\'s correlation id and the Lambda context on every line the invocation writes', async () => {
    const { logger, lines } = capturedLogger();
    const handler = withCorrelation(logger, riskInvocationKeys.correlationId, async (_event: unknown, _context?: unknown) => {
      logger.info('intent decided');
      logger.error('intent not taken');
    });
    await handler(queueBatch([intendedEvent(intentFor('i-1'))]), lambdaContext('req-1'));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({ correlation_id: 'i-1', function_request_id: 'req-1', function_name: 'TradingSafety-dev-risk', cold_start: expect.any(Boolean) });
    }
  });

  it('uses the Lambda request id when the event has no id of its own (a batch of several intents)', async () => {
    const { logger, lines } = capturedLogger();
    const batch = queueBatch([intendedEvent(intentFor('i-1')), intendedEvent(intentFor('i-2'))]);
    await withCorrelation(logger, riskInvocationKeys.correlationId, async (_event: unknown, _context?: unknown) => logger.info('batch decided'))(batch, lambdaContext('req-2'));
    expect(lines[0]).toMatchObject({ correlation_id: 'req-2' });
  });

  it('uses the Lambda request id when reading the event throws', async () => {
    const { logger, lines } = capturedLogger();
    const throwing = keys(() => {
      throw new Error('unreadable');
    });
    await withCorrelation(logger, throwing.correlationId, async (_event: unknown, _context?: unknown) => logger.info('answered'))({}, lambdaContext('req-3'));
    expect(lines[0]).toMatchObject({ correlation_id: 'req-3' });
  });

  it('carries no correlation id into the next invocation, also after a handler that threw', async () => {
    const { logger, lines } = capturedLogger();
    const failing = withCorrelation(logger, () => 'i-1', (_event: unknown, _context?: unknown) => Promise.reject(new Error('table unavailable')));
    await expect(failing({}, lambdaContext('req-4'))).rejects.toThrow('table unavailable');
    logger.info('between invocations');
    expect(lines[0]).not.toHaveProperty('correlation_id');
  });

  it('logs without a Lambda context (a test, the local run) and sets no correlation id it does not have', async () => {
    const { logger, lines } = capturedLogger();
    await withCorrelation(logger, () => undefined, async (_event: unknown) => logger.info('no context'))({});
    expect(lines[0]).not.toHaveProperty('correlation_id');
    expect(lines[0]).not.toHaveProperty('function_request_id');
  });

  it('passes the event and context through and answers what the handler answers', async () => {
    const { logger } = capturedLogger();
    const context = lambdaContext('req-5');
    const handler = vi.fn(async (_event: unknown, c: Context) => c.awsRequestId);
    await expect(withCorrelation(logger, () => 'x', handler)({ n: 1 }, context)).resolves.toBe('req-5');
    expect(handler).toHaveBeenCalledWith({ n: 1 }, context);
  });
});

describe('the exported handler', () => {
  it('sets the correlation id on the logger the function\'s handler logs through (one per service name)', async () => {
    expect(createLogger('risk')).toBe(createLogger('risk'));
    const setCorrelationId = vi.spyOn(createLogger('risk'), 'setCorrelationId');
    await observed('risk', riskInvocationKeys, async (_event: unknown, _context?: unknown) => 'decided')(intendedEvent(intentFor('i-9')), lambdaContext('req-6'));
    expect(setCorrelationId).toHaveBeenCalledWith('i-9');
  });
});
