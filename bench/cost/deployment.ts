// What an environment deploys that the bill counts, read from its synthesized CloudFormation template: each
// function's memory and architecture, provisioned concurrency, alarms and the metrics they evaluate, dashboards,
// secrets, keys, log retention, the feed task's size, the event archive, the queues Lambda polls and the table's
// backups. Pure: the template in, plain figures out (bench/cost/synth.ts makes the template).
import { FUNCTION_NAMES, type FunctionName } from '../../shared/routing/routes';

type Properties = Record<string, unknown>;
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Properties }>;
}

export interface DeployedFunction {
  name: FunctionName;
  memoryMb: number;
  arm: boolean;
  traced: boolean;
  /** Reads the broker secret (at each cold start; the value is cached per execution environment). */
  readsSecret: boolean;
  /** Provisioned concurrency on its live alias (0: none). */
  provisionedConcurrency: number;
}

export interface DeployedAlarm {
  id: string;
  /** Metrics the alarm evaluates (a metric-math alarm pays for each). */
  metrics: number;
  highResolution: boolean;
  /** Metric names a SEARCH expression of the alarm matches in the system's namespace (it pays for every match). */
  searches: string[];
  /** The system's own metric the alarm names (namespace TradingSafety), with its dimensions. */
  customMetric?: { name: string; dimensions: string };
}

export interface Deployment {
  functions: DeployedFunction[];
  alarms: DeployedAlarm[];
  compositeAlarms: number;
  dashboards: number;
  secrets: number;
  customerKeys: number;
  /** Days the log groups keep their lines (the longest; 0: never expire). */
  logRetentionDays: number;
  /** Days the event archive keeps events (0: no archive; -1: forever). */
  archiveRetentionDays: number;
  stateMachines: { standard: number; express: number; loggingAll: boolean };
  restApis: number;
  /** Fargate tasks running all the time: their vCPU, memory and whether each holds a public IPv4 address. */
  tasks: { vcpu: number; memoryGb: number; arm: boolean; count: number; publicIp: boolean }[];
  /** Lambda event source mappings on SQS queues, by queue kind. */
  queuePollers: { fifo: number; standard: number };
  table: { pointInTimeRecovery: boolean; onDemand: boolean; indexes: number };
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown, fallback = 0): number => (typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : fallback);
const refOf = (value: unknown): string | undefined => str((value as { Ref?: unknown } | undefined)?.Ref) ?? str(((value as { 'Fn::GetAtt'?: unknown[] } | undefined)?.['Fn::GetAtt'] ?? [])[0]);

const resources = (template: CfnTemplate, type: string): [string, Properties][] =>
  Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);

const functionsOf = (template: CfnTemplate): DeployedFunction[] => {
  const provisioned = new Map<string, number>();
  for (const [, alias] of resources(template, 'AWS::Lambda::Alias')) {
    const target = refOf(alias.FunctionName);
    const config = alias.ProvisionedConcurrencyConfig as { ProvisionedConcurrentExecutions?: number } | undefined;
    if (target && config) provisioned.set(target, num(config.ProvisionedConcurrentExecutions));
  }
  return resources(template, 'AWS::Lambda::Function').flatMap(([id, fn]) => {
    const variables = ((fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    const name = str(variables.POWERTOOLS_SERVICE_NAME);
    if (!name || !(FUNCTION_NAMES as readonly string[]).includes(name)) return [];
    return [
      {
        name: name as FunctionName,
        memoryMb: num(fn.MemorySize, 128),
        arm: ((fn.Architectures as string[] | undefined) ?? []).includes('arm64'),
        traced: (fn.TracingConfig as { Mode?: string } | undefined)?.Mode === 'Active',
        readsSecret: variables.BROKER_SECRET_ID !== undefined,
        provisionedConcurrency: provisioned.get(id) ?? 0,
      },
    ];
  });
};

const SEARCH_METRIC = /MetricName="([^"]+)"/g;
const NAMESPACE = 'TradingSafety';

const alarmsOf = (template: CfnTemplate): DeployedAlarm[] =>
  resources(template, 'AWS::CloudWatch::Alarm').map(([id, alarm]) => {
    const metrics = (alarm.Metrics as { MetricStat?: { Period?: number }; Expression?: string }[] | undefined) ?? [];
    const searches = metrics.flatMap((m) => [...(m.Expression ?? '').matchAll(SEARCH_METRIC)].map((match) => match[1] ?? ''));
    const periods = metrics.length > 0 ? metrics.map((m) => m.MetricStat?.Period).filter((p): p is number => p !== undefined) : [num(alarm.Period, 60)];
    const dimensions = ((alarm.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? [])
      .map((d) => `${d.Name}=${str(d.Value) ?? '?'}`)
      .sort()
      .join(',');
    const name = str(alarm.MetricName);
    return {
      id,
      metrics: metrics.length > 0 ? metrics.filter((m) => m.MetricStat).length : 1,
      highResolution: periods.some((p) => p < 60),
      searches,
      ...(name && alarm.Namespace === NAMESPACE ? { customMetric: { name, dimensions } } : {}),
    };
  });

const tasksOf = (template: CfnTemplate): Deployment['tasks'] => {
  const definitions = new Map(resources(template, 'AWS::ECS::TaskDefinition'));
  return resources(template, 'AWS::ECS::Service').map(([, service]) => {
    const definition = definitions.get(refOf(service.TaskDefinition) ?? '') ?? {};
    const network = (service.NetworkConfiguration as { AwsvpcConfiguration?: { AssignPublicIp?: string } } | undefined)?.AwsvpcConfiguration;
    return {
      vcpu: num(definition.Cpu) / 1024,
      memoryGb: num(definition.Memory) / 1024,
      arm: (definition.RuntimePlatform as { CpuArchitecture?: string } | undefined)?.CpuArchitecture === 'ARM64',
      count: num(service.DesiredCount, 1),
      publicIp: network?.AssignPublicIp === 'ENABLED',
    };
  });
};

const queuePollersOf = (template: CfnTemplate): Deployment['queuePollers'] => {
  const queues = new Map(resources(template, 'AWS::SQS::Queue'));
  const pollers = { fifo: 0, standard: 0 };
  for (const [, mapping] of resources(template, 'AWS::Lambda::EventSourceMapping')) {
    const queue = queues.get(refOf(mapping.EventSourceArn) ?? '');
    if (!queue) continue;
    if (queue.FifoQueue === true) pollers.fifo++;
    else pollers.standard++;
  }
  return pollers;
};

const archiveRetentionOf = (template: CfnTemplate): number => {
  const archives = resources(template, 'AWS::Events::Archive');
  if (archives.length === 0) return 0;
  // RetentionDays absent or 0 keeps events forever.
  return archives.some(([, a]) => num(a.RetentionDays) === 0) ? -1 : Math.max(...archives.map(([, a]) => num(a.RetentionDays)));
};

export const deploymentOf = (template: CfnTemplate): Deployment => {
  const logGroups = resources(template, 'AWS::Logs::LogGroup');
  const machines = resources(template, 'AWS::StepFunctions::StateMachine');
  const table = resources(template, 'AWS::DynamoDB::Table')[0]?.[1] ?? {};
  return {
    functions: functionsOf(template),
    alarms: alarmsOf(template),
    compositeAlarms: resources(template, 'AWS::CloudWatch::CompositeAlarm').length,
    dashboards: resources(template, 'AWS::CloudWatch::Dashboard').length,
    secrets: resources(template, 'AWS::SecretsManager::Secret').length,
    customerKeys: resources(template, 'AWS::KMS::Key').length,
    logRetentionDays: logGroups.some(([, g]) => g.RetentionInDays === undefined) ? 0 : Math.max(0, ...logGroups.map(([, g]) => num(g.RetentionInDays))),
    archiveRetentionDays: archiveRetentionOf(template),
    stateMachines: {
      standard: machines.filter(([, m]) => (m.StateMachineType ?? 'STANDARD') === 'STANDARD').length,
      express: machines.filter(([, m]) => m.StateMachineType === 'EXPRESS').length,
      loggingAll: machines.some(([, m]) => (m.LoggingConfiguration as { Level?: string } | undefined)?.Level === 'ALL'),
    },
    restApis: resources(template, 'AWS::ApiGateway::RestApi').length,
    tasks: tasksOf(template),
    queuePollers: queuePollersOf(template),
    table: {
      pointInTimeRecovery: (table.PointInTimeRecoverySpecification as { PointInTimeRecoveryEnabled?: boolean } | undefined)?.PointInTimeRecoveryEnabled === true,
      onDemand: table.BillingMode === 'PAY_PER_REQUEST',
      indexes: ((table.GlobalSecondaryIndexes as unknown[] | undefined) ?? []).length,
    },
  };
};
