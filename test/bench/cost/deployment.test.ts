// What the bill counts is read from the synthesized template: memory and architecture, provisioned concurrency,
// the metrics each alarm evaluates, the feed task's size, the queues Lambda polls.
import { describe, expect, it } from 'vitest';
import { deploymentOf, type CfnTemplate } from '../../../bench/cost/deployment';
import { FUNCTION_NAMES } from '../../../shared/routing/routes';
import { templateFor } from '../../infra/synth';

const planted: CfnTemplate = {
  Resources: {
    Fn: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 1024, Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'order', BROKER_SECRET_ID: 'x' } } } },
    Hook: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 256, Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'deploy-hook' } } } },
    Alias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Fn' }, ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } } },
    Plain: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda', Period: 60 } },
    Fast: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors', Namespace: 'AWS/Lambda', Period: 10 } },
    Own: { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'CalendarCoverageDays', Namespace: 'TradingSafety', Period: 3600, Dimensions: [{ Name: 'market', Value: 'XNYS' }] } },
    Math: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { Metrics: [{ Expression: 'SUM(METRICS())' }, { MetricStat: { Period: 60 } }, { MetricStat: { Period: 60 } }, { Expression: `SUM(SEARCH('{TradingSafety,reason} MetricName="RiskDecision"', 'Sum', 300))` }] },
    },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
    Mapping: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
    Task: { Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '512', Memory: '1024', RuntimePlatform: { CpuArchitecture: 'ARM64' } } },
    Service: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: { Ref: 'Task' }, DesiredCount: 1, NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } } } },
    Archive: { Type: 'AWS::Events::Archive', Properties: { RetentionDays: 30 } },
  },
};

describe('the deployment the bill counts', () => {
  it('reads the functions, their provisioned concurrency, the alarm metrics, the task and the polled queues from a template', () => {
    const d = deploymentOf(planted);
    expect(d.functions).toEqual([{ name: 'order', memoryMb: 1024, arm: true, traced: true, readsSecret: true, provisionedConcurrency: 2 }]);
    expect(d.alarms.map((a) => [a.id, a.metrics, a.highResolution, a.searches])).toEqual([
      ['Plain', 1, false, []],
      ['Fast', 1, true, []],
      ['Own', 1, false, []],
      ['Math', 2, false, ['RiskDecision']],
    ]);
    expect(d.alarms.find((a) => a.id === 'Own')?.customMetric).toEqual({ name: 'CalendarCoverageDays', dimensions: 'market=XNYS' });
    expect(d.tasks).toEqual([{ vcpu: 0.5, memoryGb: 1, arm: true, count: 1, publicIp: true }]);
    expect(d.queuePollers).toEqual({ fifo: 1, standard: 0 });
    expect(d.archiveRetentionDays).toBe(30);
  });

  it("counts prod's stack: every function on Arm, every alarm, one feed task around the clock, the two polled queues, a year of archive", () => {
    const template = templateFor('prod').toJSON() as CfnTemplate;
    const d = deploymentOf(template);
    expect(d.functions.map((f) => f.name).sort()).toEqual([...FUNCTION_NAMES].sort());
    expect(d.functions.every((f) => f.arm && f.memoryMb > 0)).toBe(true);
    expect(d.alarms).toHaveLength(Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length);
    expect(d.tasks).toHaveLength(1);
    expect(d.tasks[0]).toMatchObject({ arm: true, count: 1 });
    expect(d.queuePollers).toEqual({ fifo: 1, standard: 1 });
    expect(d.archiveRetentionDays).toBe(365);
    expect(d.table).toMatchObject({ onDemand: true, pointInTimeRecovery: true });
  });
});
