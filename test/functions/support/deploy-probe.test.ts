// A function's answer to a deployment probe: the probe never reaches the handler, a malformed one is refused,
// every other event goes to the handler untouched, and an incomplete Lambda environment fails the probe.
import { describe, expect, it } from 'vitest';
import { withDeployProbe } from '../../../functions/support/deploy-probe';
import { InvalidInputError } from '../../../shared/errors/errors';

const PROBE = { deployProbe: { deploymentId: 'd-ABCDEF123', stage: 'pre-traffic' } };

const wrapped = () => {
  const handled: unknown[] = [];
  const handler = withDeployProbe('risk', () => ({ broker: async () => 'ok' }), async (event: unknown) => {
    handled.push(event);
    return 'handled';
  });
  return { handler, handled };
};

describe('the deployment probe of a function', () => {
  it('answers a probe with its checks and never calls the handler', async () => {
    const { handler, handled } = wrapped();
    const answer = await handler(PROBE);
    expect(handled).toEqual([]);
    expect(answer).toMatchObject({ function: 'risk', checks: expect.arrayContaining([{ name: 'broker', ok: true }]) });
  });

  it('fails the probe, naming the check, when the function’s environment is incomplete', async () => {
    const { handler } = wrapped();
    const answer = await handler(PROBE);
    expect(answer).toMatchObject({ probe: 'failed', checks: expect.arrayContaining([expect.objectContaining({ name: 'configuration', ok: false })]) });
  });

  it('refuses a probe that carries anything else, without calling the handler', async () => {
    const { handler, handled } = wrapped();
    await expect(handler({ ...PROBE, detail: { intentId: 'i-1' } })).rejects.toThrow(InvalidInputError);
    expect(handled).toEqual([]);
  });

  it('hands every other event to the handler untouched', async () => {
    const { handler, handled } = wrapped();
    await expect(handler({ Records: [] })).resolves.toBe('handled');
    expect(handled).toEqual([{ Records: [] }]);
  });
});
