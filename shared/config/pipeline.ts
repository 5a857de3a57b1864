// The deployment pipeline's configuration (`-c pipeline=<file.json>`): the Git connection it builds from, the
// account and region it runs in, and each environment's account, region and what `cdk deploy` takes as context.
// Invariant: staging and prod name their operators and someone to page, here or in environments.ts.
import * as z from 'zod';
import { loadEnvironmentConfig } from './environments';
import { HttpsUrlSchema, MUST_PAGE, reachesSomeone } from './paging';
import { OPEN_OPERATOR_ENVIRONMENTS } from '../operators/operator-config';

/** Where the pipeline's configuration is explained; every "missing" message points there. */
const SEE = 'docs/deployment.md, "The pipeline"';

export const PIPELINE_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type PipelineEnvironment = (typeof PIPELINE_ENVIRONMENTS)[number];

const missing = (what: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? `is missing (${what}; ${SEE})` : `must be ${what}`) });

const AccountSchema = z.string(missing('a 12-digit AWS account id')).regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' });
const RegionSchema = z.string(missing('an AWS region such as us-east-1')).regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'must be an AWS region such as us-east-1' });

/** An account and region: where the pipeline runs, or where an environment's stack is deployed. */
const PlaceSchema = (what: string) => z.object({ account: AccountSchema, region: RegionSchema }, missing(`${what}, with its account and region`)).strict();

const EnvironmentTargetSchema = (name: PipelineEnvironment) =>
  PlaceSchema(`where ${name} is deployed`)
    .extend({
      /**
       * What `-c operators` gives `cdk deploy`: a JSON file in the repository (the synth step reads it from its
       * checkout; the path is relative to the repository's root) or the list itself. Validated with the environment.
       */
      operators: z.union([z.string().min(1), z.array(z.unknown())], { error: 'must be a JSON file in the repository or the list itself' }).optional(),
      /** What `-c onCallEmail` and `-c onCallWebhookUrl` give `cdk deploy`: who the environment's page-tier alarms reach. */
      onCallEmail: z.email({ error: 'must be an e-mail address' }).optional(),
      onCallWebhookUrl: HttpsUrlSchema.optional(),
      /**
       * The zones the feed's VPC spans (it takes the first two). With an account and region named, CDK would otherwise
       * look them up in the account at every synth: given here, the pipeline synthesizes offline and the same each time.
       */
      availabilityZones: z
        .array(z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d[a-z]$/, { error: 'must be an availability zone name such as us-east-1a' }), missing(`two availability zones of ${name}'s region, such as ["us-east-1a", "us-east-1b"]`))
        .min(2, { error: 'must name at least two availability zones' }),
    })
    .strict()
    .superRefine((target, ctx) => {
      target.availabilityZones.forEach((zone, index) => {
        if (!zone.startsWith(target.region)) ctx.addIssue({ code: 'custom', path: ['availabilityZones', index], message: `must be a zone of ${target.region}` });
      });
    });
export type EnvironmentTarget = z.infer<ReturnType<typeof EnvironmentTargetSchema>>;

/** CodeConnections (formerly CodeStar Connections) ARNs carry either service name. */
const CONNECTION_ARN = /^arn:aws[\w-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/;

export const PipelineConfigSchema = z
  .object({
    /** The connection to the team's Git host (GitHub, GitLab, Bitbucket), created once in the console. */
    connectionArn: z
      .string(missing("the ARN of the CodeConnections connection to the team's Git host"))
      .regex(CONNECTION_ARN, { error: 'must be a CodeConnections ARN, arn:aws:codeconnections:<region>:<account>:connection/<id>' }),
    repository: z.string(missing('the repository, owner/name')).regex(/^[\w.-]+\/[\w.-]+$/, { error: 'must be the repository as owner/name' }),
    branch: z.string(missing('the branch the pipeline deploys')).min(1, { error: 'must name a branch' }),
    /** The account and region the pipeline runs in (a tooling account, or one of the environments'). */
    pipeline: PlaceSchema('where the pipeline runs'),
    environments: z
      .object({ dev: EnvironmentTargetSchema('dev'), staging: EnvironmentTargetSchema('staging'), prod: EnvironmentTargetSchema('prod') }, missing('dev, staging and prod'))
      .strict(),
  })
  .strict()
  .superRefine((config, ctx) => {
    // The same refusals `cdk deploy` makes, said in the pipeline file's terms before anything is built.
    for (const name of PIPELINE_ENVIRONMENTS) {
      const target = config.environments[name];
      const environment = loadEnvironmentConfig(name);
      if (target.operators === undefined && environment.operators === undefined && !OPEN_OPERATOR_ENVIRONMENTS.includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', name, 'operators'],
          message: `is missing (${name} must list the people who may use the kill-switch API and their actions: a JSON file in the repository or the list itself; ${SEE})`,
        });
      }
      const pages = target.onCallEmail !== undefined || target.onCallWebhookUrl !== undefined || reachesSomeone(environment.alarms.page);
      if (MUST_PAGE.includes(name) && !pages) {
        ctx.addIssue({ code: 'custom', path: ['environments', name, 'onCallEmail'], message: `is missing (${name}'s alarms must page someone: give onCallEmail or onCallWebhookUrl; ${SEE})` });
      }
    }
  });
export type PipelineConfig = z.infer<typeof PipelineConfigSchema>;

/** The configuration in `value`, validated; throws one message naming every field at fault. */
export const parsePipelineConfig = (value: unknown, from: string): PipelineConfig => {
  const parsed = PipelineConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  throw new Error(`-c pipeline=${from}: ${issues.join('; ')}`);
};
