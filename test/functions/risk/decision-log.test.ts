// One structured log line per risk decision, whoever decides it: the intent id as the correlation id, what was
// asked, the outcome and every reason, and the time from the intent's arrival.
import { describe, expect, it } from 'vitest';
import { ACCOUNT, intendedEvent, intentFor, testLimits } from '../../support/fixtures';
import { pipelineRisk, usePipelineFixture } from '../../support/pipeline';

const f = usePipelineFixture();

describe('the decision log', () => {
  it('writes one line for an approval and one with its reasons for a denial', async () => {
    const lines: { message: string; attributes: Record<string, unknown> }[] = [];
    const logger = { info: (message: string, ...rest: Record<string, unknown>[]) => void lines.push({ message, attributes: Object.assign({}, ...rest) }), error: () => undefined };
    const risk = pipelineRisk(f, { defaults: testLimits({ maxOpenOrders: 1 }), logger });

    await expect(risk(intendedEvent(intentFor('l-1', { quantity: '3' }), ACCOUNT))).resolves.toMatchObject({ outcome: 'approved' });
    await expect(risk(intendedEvent(intentFor('l-2'), ACCOUNT))).resolves.toMatchObject({ outcome: 'denied', reason: 'OPEN_ORDERS_EXCEEDED' });

    const decisions = lines.filter((l) => l.message === 'risk decision').map((l) => l.attributes);
    expect(decisions).toEqual([
      expect.objectContaining({ correlationId: 'l-1', account: ACCOUNT, symbol: 'AAPL', quantity: '3', outcome: 'approved', approvedQuantity: '3', breaches: [] }),
      expect.objectContaining({ correlationId: 'l-2', outcome: 'denied', reason: 'OPEN_ORDERS_EXCEEDED', failedChecks: ['OPEN_ORDERS_EXCEEDED'] }),
    ]);
    for (const line of decisions) expect(line.latencyMs).toEqual(expect.any(Number));
  });
});
