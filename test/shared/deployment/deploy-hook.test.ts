// The deployment hook's decision: CodeDeploy always hears back, Succeeded only when the version (before traffic)
// or the alias (after) answered a probe whose every check passed; anything else (the AppSpec unreadable, the
// invocation failing, a function error, a failed check, a malformed answer) is Failed and rolls back.
import { describe, expect, it } from 'vitest';
import { runDeployHook, type DeployHookDeps } from '../../../shared/deployment/deploy-hook';
import { deployTargetOf, judgeProbe, runProbe, DeployProbeEventSchema } from '../../../shared/deployment/deploy-probe';

const APPSPEC = { version: 0.0, Resources: [{ RiskFunctionLiveAlias: { Type: 'AWS::Lambda::Function', Properties: { Name: 'risk-fn', Alias: 'live', CurrentVersion: '4', TargetVersion: '5' } } }] };
const EVENT = { DeploymentId: 'd-ABCDEF123', LifecycleEventHookExecutionId: 'exec-1' };

const world = (over: Partial<DeployHookDeps> = {}, answer: { functionError?: string; payload: string } = { payload: JSON.stringify({ probe: 'passed', function: 'risk', checks: [{ name: 'table', ok: true }] }) }) => {
  const reports: string[] = [];
  const invoked: string[] = [];
  const deps: DeployHookDeps = {
    stage: 'pre-traffic',
    deployments: { appSpecOf: async () => APPSPEC },
    functions: {
      invoke: async (name, qualifier, payload) => {
        invoked.push(`${name}:${qualifier} ${payload}`);
        return answer;
      },
    },
    reporter: { report: async (id, exec, status) => void reports.push(`${id} ${exec} ${status}`) },
    log: { info: () => undefined, error: () => undefined },
    ...over,
  };
  return { deps, reports, invoked };
};

describe('the deployment hook', () => {
  it('probes the new version before traffic and reports Succeeded when every check passed', async () => {
    const w = world();
    await expect(runDeployHook(w.deps, EVENT)).resolves.toMatchObject({ status: 'Succeeded', target: { functionName: 'risk-fn', targetVersion: '5' } });
    expect(w.invoked).toEqual(['risk-fn:5 {"deployProbe":{"deploymentId":"d-ABCDEF123","stage":"pre-traffic"}}']);
    expect(w.reports).toEqual(['d-ABCDEF123 exec-1 Succeeded']);
  });

  it('probes the live alias after traffic', async () => {
    const w = world({ stage: 'post-traffic' });
    await runDeployHook(w.deps, EVENT);
    expect(w.invoked[0]).toMatch(/^risk-fn:live /);
  });

  it.each([
    ['a failed check', { payload: JSON.stringify({ probe: 'failed', function: 'risk', checks: [{ name: 'table', ok: false, detail: 'AccessDenied' }] }) }, /table failed \(AccessDenied\)/],
    ['a function error', { functionError: 'Unhandled', payload: '{"errorMessage":"boom"}' }, /the function failed \(Unhandled\)/],
    ['an answer that is not a probe’s (an old version that ignores the probe)', { payload: JSON.stringify({ batchItemFailures: [] }) }, /not a probe answer/],
    ['an answer that is not JSON', { payload: 'null-ish' }, /not JSON/],
  ])('reports Failed on %s', async (_what, answer, detail) => {
    const w = world({}, answer);
    const outcome = await runDeployHook(w.deps, EVENT);
    expect(outcome).toMatchObject({ status: 'Failed', detail: expect.stringMatching(detail) });
    expect(w.reports).toEqual(['d-ABCDEF123 exec-1 Failed']);
  });

  it('reports Failed when the deployment cannot be read or the version cannot be invoked', async () => {
    const unreadable = world({ deployments: { appSpecOf: () => Promise.reject(new Error('AccessDenied')) } });
    await expect(runDeployHook(unreadable.deps, EVENT)).resolves.toMatchObject({ status: 'Failed', detail: expect.stringMatching(/target could not be read: AccessDenied/) });
    const uninvokable = world({ functions: { invoke: () => Promise.reject(new Error('ResourceNotFound')) } });
    await expect(runDeployHook(uninvokable.deps, EVENT)).resolves.toMatchObject({ status: 'Failed', detail: expect.stringMatching(/could not be invoked: ResourceNotFound/) });
    expect([...unreadable.reports, ...uninvokable.reports]).toEqual(['d-ABCDEF123 exec-1 Failed', 'd-ABCDEF123 exec-1 Failed']);
  });

  it('refuses an AppSpec that is not a Lambda deployment’s', () => {
    expect(() => deployTargetOf({ Resources: [{ x: { Type: 'AWS::ECS::Service', Properties: {} } }] })).toThrow();
    expect(judgeProbe({ payload: JSON.stringify({ probe: 'passed', function: 'risk', checks: [] }) })).toMatchObject({ ok: false });
  });
});

describe('the probe', () => {
  it('passes only when every check passed, bounds each check and names a failed one', async () => {
    const answer = await runProbe('risk', { table: async () => undefined, broker: () => new Promise(() => undefined), config: () => Promise.reject(new Error('bad env')) }, 20);
    expect(answer).toEqual({
      probe: 'failed',
      function: 'risk',
      checks: [
        { name: 'table', ok: true },
        { name: 'broker', ok: false, detail: 'no answer within 20 ms' },
        { name: 'config', ok: false, detail: 'bad env' },
      ],
    });
    await expect(runProbe('risk', { table: async () => 1 })).resolves.toMatchObject({ probe: 'passed' });
  });

  it('takes only a CodeDeploy deployment id and a stage: nothing a handler could act on', () => {
    expect(DeployProbeEventSchema.safeParse({ deployProbe: { deploymentId: 'd-ABCDEF123', stage: 'pre-traffic' } }).success).toBe(true);
    expect(DeployProbeEventSchema.safeParse({ deployProbe: { deploymentId: 'd-ABCDEF123', stage: 'pre-traffic' }, detail: {} }).success).toBe(false);
    expect(DeployProbeEventSchema.safeParse({ deployProbe: { deploymentId: 'anything', stage: 'pre-traffic' } }).success).toBe(false);
  });
});
