// Each function's correlation id, read from the event it really receives: the id its log lines carry, so one
// search finds an intent, an API call, a breach or a scheduled run across every line of its invocation.
import { describe, expect, it } from 'vitest';
import { breakerInvocationKeys } from '../../functions/breaker/invocation-keys';
import { deadManSwitchInvocationKeys } from '../../functions/dead-man-switch/invocation-keys';
import { killSwitchInvocationKeys } from '../../functions/kill-switch/invocation-keys';
import { orderInvocationKeys } from '../../functions/order/invocation-keys';
import { reconciliationInvocationKeys } from '../../functions/reconciliation/invocation-keys';
import { riskInvocationKeys } from '../../functions/risk/invocation-keys';
import { alarmEvent, reconciliationBreak, riskBreach } from '../support/breaker-events';
import { intendedEvent, intentFor, scheduledEvent } from '../support/fixtures';
import { approvedMessage, brokerUpdate, cancelAllMessage, cancelMessage, queueBatch } from '../support/invocation-events';
import { postEvent } from '../support/kill-switch-api';

describe('the risk function\'s correlation id', () => {
  it('is the intent id of a queue batch that carries one intent', () => {
    expect(riskInvocationKeys.correlationId(queueBatch([intendedEvent(intentFor('i-1'))]))).toBe('i-1');
  });

  it('is the intent id when the batch carries one intent delivered twice', () => {
    expect(riskInvocationKeys.correlationId(queueBatch([intendedEvent(intentFor('i-1')), intendedEvent(intentFor('i-1'))]))).toBe('i-1');
  });

  it('is none of its own for a batch of several intents (the request id stands in; each decision line names its intent)', () => {
    expect(riskInvocationKeys.correlationId(queueBatch([intendedEvent(intentFor('i-1')), intendedEvent(intentFor('i-2'))]))).toBeUndefined();
  });

  it('is the intent id of an intent delivered on its own', () => {
    expect(riskInvocationKeys.correlationId(intendedEvent(intentFor('i-7')))).toBe('i-7');
  });

  it('is the schedule event\'s id for the sweep', () => {
    expect(riskInvocationKeys.correlationId(scheduledEvent('sweep-1'))).toBe('sweep-1');
  });
});

describe('the order function\'s correlation id', () => {
  it('is the intent id of an approved order', () => {
    expect(orderInvocationKeys.correlationId(queueBatch([approvedMessage('i-1')]))).toBe('i-1');
  });

  it('is the intent id of a cancel', () => {
    expect(orderInvocationKeys.correlationId(queueBatch([cancelMessage('i-2')]))).toBe('i-2');
  });

  it('is the client order id (the intent id) of a broker update', () => {
    expect(orderInvocationKeys.correlationId(queueBatch([brokerUpdate('i-3')]))).toBe('i-3');
  });

  it('is the request\'s correlation id of a cancel-all, which names no intent', () => {
    expect(orderInvocationKeys.correlationId(queueBatch([cancelAllMessage('req-9')]))).toBe('req-9');
  });

  it('is the intent id of a batch of one order\'s messages (its approval and its update)', () => {
    expect(orderInvocationKeys.correlationId(queueBatch([approvedMessage('i-1'), brokerUpdate('i-1')]))).toBe('i-1');
  });

  it('is none of its own for a batch of several orders\' messages (the request id stands in)', () => {
    expect(orderInvocationKeys.correlationId(queueBatch([approvedMessage('i-1'), approvedMessage('i-2', 'MSFT')]))).toBeUndefined();
  });
});

describe('the kill-switch API\'s correlation id', () => {
  it('is API Gateway\'s request id', () => {
    const event = postEvent('/kill-switch', { account: 'acct-1', reason: 'runaway' });
    expect(killSwitchInvocationKeys.correlationId(event)).toBe(event.requestContext.requestId);
  });
});

describe('the breaker\'s correlation id', () => {
  it('is the breach id (the execution\'s name) for a Task state\'s payload', () => {
    const input = { breachId: 'DRAWDOWN.acct-1.20261123T1430Z', account: 'acct-1', kind: 'DRAWDOWN', reason: 'r', detectedAt: '2026-11-23T14:59:00.000Z' };
    expect(breakerInvocationKeys.correlationId({ task: 'recordTrip', input })).toBe('DRAWDOWN.acct-1.20261123T1430Z');
    expect(breakerInvocationKeys.annotate({ task: 'recordTrip', input })).toEqual({ account: 'acct-1', intentId: undefined });
  });

  it('is the breach id of a RiskBreach event', () => {
    expect(breakerInvocationKeys.correlationId(riskBreach())).toBe('DRAWDOWN.acct-1.20261123T1430Z');
    expect(breakerInvocationKeys.annotate(riskBreach()).account).toBe('acct-1');
  });

  it('is the EventBridge event id of a reconciliation break and of an alarm, which carry no breach id', () => {
    expect(breakerInvocationKeys.correlationId(reconciliationBreak())).toBe('e-1');
    expect(breakerInvocationKeys.annotate(reconciliationBreak()).account).toBe('acct-1');
    expect(breakerInvocationKeys.correlationId(alarmEvent('ALARM'))).toBe('e-1');
    // The envelope's `account` is the AWS account, never taken for a trading account.
    expect(breakerInvocationKeys.annotate(alarmEvent('ALARM')).account).toBeUndefined();
  });
});

describe('the scheduled functions\' correlation id', () => {
  it('is the schedule event\'s id for reconciliation', () => {
    expect(reconciliationInvocationKeys.correlationId(scheduledEvent('sched-9'))).toBe('sched-9');
  });

  it('is none of its own for the run after a deployment (an empty payload: the request id stands in)', () => {
    expect(reconciliationInvocationKeys.correlationId({})).toBeUndefined();
  });

  it('is the schedule event\'s id for the dead-man switch', () => {
    expect(deadManSwitchInvocationKeys.correlationId(scheduledEvent('sched-3'))).toBe('sched-3');
  });
});
