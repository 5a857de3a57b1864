// The deployment pipeline, synthesized once offline from infra/pipeline.example.json: its stages in order, the synth
// step, staging's smoke test, the approval before prod, the stacks inside the stages, and the configurations refused.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createTradingStack } from '../../infra/app';
import { createPipelineStack, SMOKE_TEST_ROLE_NAME } from '../../infra/pipeline-stack';
import { fastApp } from './synth';

const EXAMPLE_FILE = 'infra/pipeline.example.json';
const example = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as {
  pipeline: { account: string };
  environments: Record<'dev' | 'staging' | 'prod', { account: string; region: string; operators: unknown; onCallEmail?: string }>;
};

const pipelineStack = createPipelineStack(fastApp(), EXAMPLE_FILE, createTradingStack);
// CDK Pipelines builds the CodePipeline lazily, at synthesis; built now so the template below has it.
pipelineStack.pipeline.buildPipeline();
const template = Template.fromStack(pipelineStack);

interface Action {
  Name: string;
  RunOrder: number;
  ActionTypeId: { Category: string; Provider: string };
  Configuration: Record<string, unknown>;
}
interface PipelineStage {
  Name: string;
  Actions: Action[];
}
const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline')) as { Properties: { Stages: PipelineStage[] } }[];
const stages = pipeline?.Properties.Stages ?? [];
const stageNamed = (name: string): PipelineStage => {
  const stage = stages.find((s) => s.Name === name);
  if (!stage) throw new Error(`no pipeline stage ${name}`);
  return stage;
};
const deployActions = (stage: PipelineStage): Action[] => stage.Actions.filter((a) => a.ActionTypeId.Category === 'Deploy');
const buildSpecOf = (projectLogicalId: string): { phases: Record<string, { commands?: string[]; 'runtime-versions'?: Record<string, string> }> } => {
  const project = template.findResources('AWS::CodeBuild::Project')[projectLogicalId] as { Properties: { Source: { BuildSpec: string } } } | undefined;
  if (!project) throw new Error(`no CodeBuild project ${projectLogicalId}`);
  return JSON.parse(project.Properties.Source.BuildSpec) as never;
};
const projectOf = (action: Action): string => (action.Configuration.ProjectName as { Ref: string }).Ref;

/** A copy of the example, changed by `edit`, written outside the repository. */
const exampleWith = (edit: (config: Record<string, unknown>) => void): string => {
  const config = JSON.parse(readFileSync(EXAMPLE_FILE, 'utf8')) as Record<string, unknown>;
  edit(config);
  const file = join(mkdtempSync(join(tmpdir(), 'pipeline-')), 'pipeline.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
};
const smokeRoleArn = `arn:aws:iam::${example.pipeline.account}:role/${SMOKE_TEST_ROLE_NAME}`;

describe('the deployment pipeline', () => {
  it('runs Source, Build (the synth), UpdatePipeline, Assets, Dev, Staging and Prod, in that order', () => {
    expect(stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'Dev', 'Staging', 'Prod']);
    expect(stageNamed('Build').Actions.map((a) => a.Name)).toEqual(['Synth']);
    expect(stageNamed('UpdatePipeline').Actions.map((a) => a.Name)).toEqual(['SelfMutate']);
  });

  it("builds from the configured branch of the team's repository, through the connection", () => {
    const [source] = stageNamed('Source').Actions;
    expect(source?.ActionTypeId.Provider).toBe('CodeStarSourceConnection');
    expect(source?.Configuration).toMatchObject({
      ConnectionArn: 'arn:aws:codeconnections:us-east-1:111111111111:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
      FullRepositoryId: 'example-trading/trading-safety-pipeline',
      BranchName: 'main',
    });
  });

  it('synthesizes only after npm ci and the whole test suite pass, on Node 22, with the same configuration file', () => {
    const [synth] = stageNamed('Build').Actions;
    const spec = buildSpecOf(projectOf(synth as Action));
    expect(spec.phases.build?.commands).toEqual(['npm ci', 'npm test', `npx cdk synth -c pipeline=${EXAMPLE_FILE}`]);
    expect(spec.phases.install?.['runtime-versions']).toEqual({ nodejs: '22' });
  });

  it("deploys each environment's stack into its account under the name cdk deploy gives it (TradingSafety-<env>)", () => {
    for (const [stageName, env] of [['Dev', 'dev'], ['Staging', 'staging'], ['Prod', 'prod']] as const) {
      const deploys = deployActions(stageNamed(stageName));
      expect(deploys.map((a) => a.Configuration.ActionMode)).toEqual(['CHANGE_SET_REPLACE', 'CHANGE_SET_EXECUTE']);
      for (const action of deploys) expect(action.Configuration.StackName).toBe(`TradingSafety-${env}`);
      expect(JSON.stringify(deploys[0]?.Configuration.RoleArn)).toContain(`:iam::${example.environments[env].account}:role/cdk-`);
    }
  });

  it("smoke-tests staging after its deploy actions: tsp status with the URL from the staging stack's KillSwitchApiUrl output", () => {
    const staging = stageNamed('Staging');
    const smoke = staging.Actions.find((a) => a.Name === 'SmokeTest');
    expect(smoke?.ActionTypeId.Provider).toBe('CodeBuild');
    expect(smoke?.RunOrder).toBeGreaterThan(Math.max(...deployActions(staging).map((a) => a.RunOrder)));

    // The variable is the deploy action's, named as the output is in the deployed template (what CodePipeline exposes).
    const deploy = deployActions(staging).find((a) => a.Configuration.ActionMode === 'CHANGE_SET_EXECUTE') as Action & { Namespace?: string };
    expect(Object.keys(Template.fromStack(pipelineStack.stages.staging.stack).toJSON().Outputs as object)).toContain('KillSwitchApiUrl');
    expect(deploy.Namespace).toBeDefined();
    expect(JSON.parse(String(smoke?.Configuration.EnvironmentVariables))).toEqual([
      { name: 'KILL_SWITCH_API_URL', type: 'PLAINTEXT', value: `#{${deploy.Namespace}.KillSwitchApiUrl}` },
    ]);
    expect(buildSpecOf(projectOf(smoke as Action)).phases.build?.commands).toEqual([
      'npm ci',
      'npx tsp status --env staging --api-url "$KILL_SWITCH_API_URL" --account paper-1 --json',
    ]);
  });

  it("runs the smoke test as its fixed-name role, allowed to invoke only GET /status in staging's account", () => {
    const [smoke] = stageNamed('Staging').Actions.filter((a) => a.Name === 'SmokeTest');
    const role = template.findResources('AWS::IAM::Role', { Properties: { RoleName: SMOKE_TEST_ROLE_NAME } });
    const [roleId] = Object.keys(role);
    const project = template.findResources('AWS::CodeBuild::Project')[projectOf(smoke as Action)] as { Properties: { ServiceRole: unknown } };
    expect(project.Properties.ServiceRole).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });

    const invokes = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement)
      .filter((s) => JSON.stringify(s.Action).includes('execute-api'));
    expect(invokes).toEqual([expect.objectContaining({ Action: 'execute-api:Invoke', Resource: `arn:aws:execute-api:us-east-1:${example.environments.staging.account}:*/*/GET/status` })]);
  });

  it('stops for a manual approval before any prod deploy action', () => {
    const prod = stageNamed('Prod');
    const approval = prod.Actions.find((a) => a.ActionTypeId.Category === 'Approval');
    expect(approval).toMatchObject({ Name: 'PromoteToProd', ActionTypeId: { Provider: 'Manual' } });
    expect(approval?.RunOrder).toBeLessThan(Math.min(...deployActions(prod).map((a) => a.RunOrder)));
    expect(stageNamed('Staging').Actions.some((a) => a.ActionTypeId.Category === 'Approval')).toBe(false);
  });

  it("shares the artifact key with the environments' accounts, which are not the pipeline's", () => {
    template.hasResourceProperties('AWS::KMS::Key', {});
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', { ArtifactStore: { EncryptionKey: { Type: 'KMS' } } });
  });

  it('holds in the staging stage the stack cdk deploy -c env=staging makes with the same settings: its resources and outputs', () => {
    const staged = Template.fromStack(pipelineStack.stages.staging.stack);
    staged.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    expect(Object.keys(staged.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThan(10);

    const { operators, onCallEmail } = example.environments.staging;
    const standalone = Template.fromStack(createTradingStack(fastApp({ operators, onCallEmail }), 'staging'));
    // Compared by type and output, not by logical id: ids and names some constructs derive from the construct path
    // (the stage adds `TradingSafetyPipeline/Staging/` in front) differ, as docs/deployment.md says.
    const shape = (t: Template) => ({
      resources: Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type).sort(),
      outputs: Object.keys(t.toJSON().Outputs as object).sort(),
    });
    expect(shape(staged)).toEqual(shape(standalone));
  });

  it("spans the feed's VPC over the configured availability zones, so synthesis looks nothing up in the accounts", () => {
    const zones = (stage: 'dev' | 'staging' | 'prod') =>
      Object.values(Template.fromStack(pipelineStack.stages[stage].stack).findResources('AWS::EC2::Subnet')).map((r) => (r as { Properties: { AvailabilityZone: unknown } }).Properties.AvailabilityZone);
    expect(zones('staging')).toEqual(['us-east-1a', 'us-east-1b']);
    expect(zones('prod')).toEqual(['us-east-1a', 'us-east-1b']);
  });
});

describe('the pipeline configuration', () => {
  it('refuses to synthesize without the connection ARN, naming it and where the connection is explained', () => {
    const file = exampleWith((config) => delete config.connectionArn);
    expect(() => createPipelineStack(fastApp(), file, createTradingStack)).toThrow(
      `-c pipeline=${file}: connectionArn: is missing (the ARN of the CodeConnections connection to the team's Git host; docs/deployment.md, "The pipeline")`,
    );
  });

  it("refuses a staging operator list that does not name the smoke test's role, giving the entry to add", () => {
    const file = exampleWith((config) => {
      const staging = (config.environments as Record<string, { operators: { role?: string }[] }>).staging;
      if (staging) staging.operators = staging.operators.filter((o) => o.role !== smokeRoleArn);
    });
    expect(() => createPipelineStack(fastApp(), file, createTradingStack)).toThrow(
      `environments.staging.operators must list the pipeline's smoke-test role: add { "role": "${smokeRoleArn}", "actions": ["status"] }`,
    );
  });

  it("refuses the smoke test's role holding more than status", () => {
    const file = exampleWith((config) => {
      const staging = (config.environments as Record<string, { operators: { role?: string; actions: string[] }[] }>).staging;
      const entry = staging?.operators.find((o) => o.role === smokeRoleArn);
      if (entry) entry.actions = ['kill', 'status'];
    });
    expect(() => createPipelineStack(fastApp(), file, createTradingStack)).toThrow('gives the smoke-test role kill, status: give it only status');
  });

  it('refuses staging and prod without operators or someone to page, naming each missing field', () => {
    const file = exampleWith((config) => {
      const environments = config.environments as Record<string, Record<string, unknown>>;
      delete environments.prod?.operators;
      delete environments.staging?.onCallEmail;
    });
    expect(() => createPipelineStack(fastApp(), file, createTradingStack)).toThrow(
      /environments\.staging\.onCallEmail: is missing \(staging's alarms must page someone.*environments\.prod\.operators: is missing \(prod must list the people/,
    );
  });

  it('refuses per-environment context beside -c pipeline, which would apply to every environment alike', () => {
    expect(() => createPipelineStack(fastApp({ operators: '[]' }), EXAMPLE_FILE, createTradingStack)).toThrow(
      "-c operators would apply to every environment alike: give each environment's settings in the pipeline file",
    );
  });

  it("refuses an environment without availability zones, or with a zone of another region", () => {
    const file = exampleWith((config) => {
      const environments = config.environments as Record<string, Record<string, unknown>>;
      delete environments.dev?.availabilityZones;
      if (environments.prod) environments.prod.availabilityZones = ['us-east-1a', 'us-west-2b'];
    });
    expect(() => createPipelineStack(fastApp(), file, createTradingStack)).toThrow(
      /environments\.dev\.availabilityZones: is missing \(two availability zones of dev's region.*environments\.prod\.availabilityZones\.1: must be a zone of us-east-1/,
    );
  });

  it('refuses a configuration file outside the repository, which the synth step could not read', () => {
    const file = exampleWith(() => undefined);
    expect(() => createPipelineStack(fastApp(), file, createTradingStack)).toThrow(`-c pipeline=${file}: must be a file in the repository`);
  });
});
