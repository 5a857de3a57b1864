// The deployment probe: what a new function version is asked before it takes traffic (and the live alias after),
// and how its answer is judged. A probe reads, never writes and never trades: each check exercises one real
// dependency (configuration, the table, the broker, the control plane) and answers only its name, whether it
// passed and, when it failed, why. Invariant: an answer that is not exactly a passed probe fails the deployment.
import * as z from 'zod';

export const DEPLOY_STAGES = ['pre-traffic', 'post-traffic'] as const;
export type DeployStage = (typeof DEPLOY_STAGES)[number];

/** The probe's event: nothing but the deployment it checks (a probe carries no input a handler would act on). */
export const DeployProbeEventSchema = z
  .object({
    deployProbe: z
      .object({
        deploymentId: z.string().regex(/^d-[A-Z0-9]{6,32}$/, { error: "must be a CodeDeploy deployment id (d-…)" }),
        stage: z.enum(DEPLOY_STAGES),
      })
      .strict(),
  })
  .strict();
export type DeployProbeEvent = z.infer<typeof DeployProbeEventSchema>;

export const ProbeCheckSchema = z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() }).strict();
export type ProbeCheck = z.infer<typeof ProbeCheckSchema>;

export const ProbeAnswerSchema = z
  .object({ probe: z.enum(['passed', 'failed']), function: z.string(), checks: z.array(ProbeCheckSchema).min(1) })
  .strict();
export type ProbeAnswer = z.infer<typeof ProbeAnswerSchema>;

/** Whether an event is meant as a probe (then it is validated as one, and never handled as anything else). */
export const looksLikeProbe = (event: unknown): boolean => typeof event === 'object' && event !== null && 'deployProbe' in event;

/** How long one check may take: a dependency slower than this at deploy time is a failed check, not a wait. */
export const PROBE_CHECK_TIMEOUT_MS = 5_000;

/** Runs every check (each bounded), in order; the probe passes only when every check did. */
export const runProbe = async (fn: string, checks: Readonly<Record<string, () => Promise<unknown>>>, timeoutMs = PROBE_CHECK_TIMEOUT_MS): Promise<ProbeAnswer> => {
  const results: ProbeCheck[] = [];
  for (const [name, check] of Object.entries(checks)) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      results.push({ name, ok: true });
    } catch (error) {
      results.push({ name, ok: false, detail: error instanceof Error ? error.message : String(error) });
    } finally {
      clearTimeout(timer);
    }
  }
  if (results.length === 0) results.push({ name: 'checks', ok: false, detail: 'the function defines no probe checks' });
  return { probe: results.every((r) => r.ok) ? 'passed' : 'failed', function: fn, checks: results };
};

export type ProbeVerdict = { ok: true; summary: string } | { ok: false; reason: string };

/** Judges what the invoked version answered: a function error, an unreadable answer or a failed check fails it. */
export const judgeProbe = (invocation: { functionError?: string | undefined; payload: string }): ProbeVerdict => {
  if (invocation.functionError) return { ok: false, reason: `the function failed (${invocation.functionError}): ${invocation.payload.slice(0, 500)}` };
  let json: unknown;
  try {
    json = JSON.parse(invocation.payload);
  } catch {
    return { ok: false, reason: `the answer is not JSON: ${invocation.payload.slice(0, 200)}` };
  }
  const answer = ProbeAnswerSchema.safeParse(json);
  if (!answer.success) return { ok: false, reason: `the answer is not a probe answer: ${invocation.payload.slice(0, 200)}` };
  const failed = answer.data.checks.filter((c) => !c.ok);
  if (answer.data.probe !== 'passed' || failed.length > 0) {
    return { ok: false, reason: `${answer.data.function}: ${failed.map((c) => `${c.name} failed${c.detail ? ` (${c.detail})` : ''}`).join('; ') || 'probe failed'}` };
  }
  return { ok: true, summary: `${answer.data.function}: ${answer.data.checks.map((c) => c.name).join(', ')} passed` };
};

/** The function and version a Lambda deployment moves its alias to, from the deployment's AppSpec. */
export const AppSpecSchema = z.object({
  Resources: z
    .array(
      z.record(
        z.string(),
        z.object({
          Type: z.literal('AWS::Lambda::Function'),
          Properties: z.object({ Name: z.string().min(1), Alias: z.string().min(1), CurrentVersion: z.string().optional(), TargetVersion: z.string().min(1) }),
        }),
      ),
    )
    .min(1),
});

export interface DeployTarget {
  functionName: string;
  alias: string;
  targetVersion: string;
}

/** The deployment's target from its AppSpec (already parsed from JSON or YAML); throws naming the problem otherwise. */
export const deployTargetOf = (appSpec: unknown): DeployTarget => {
  const parsed = AppSpecSchema.parse(appSpec);
  const resource = Object.values(parsed.Resources[0] ?? {})[0];
  if (!resource) throw new Error('the deployment names no Lambda function');
  return { functionName: resource.Properties.Name, alias: resource.Properties.Alias, targetVersion: resource.Properties.TargetVersion };
};

/** What the hook invokes: the new version before traffic, the alias (now serving it) after. */
export const probeQualifier = (target: DeployTarget, stage: DeployStage): string => (stage === 'pre-traffic' ? target.targetVersion : target.alias);
