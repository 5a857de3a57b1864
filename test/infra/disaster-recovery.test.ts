// Specification of what recovery relies on in each deployed environment: the bus's archive of every event the
// system publishes (retention from the environment's config), and the table's point-in-time recovery and
// deletion protection wherever its data is kept (docs/disaster-recovery.md).
import { describe, expect, it } from 'vitest';
import { loadEnvironmentConfig } from '../../shared/config/environments';
import { EVENT_SOURCES } from '../../shared/events/envelope';
import { templateFor, type DeployableEnv } from './synth';
import { logicalId, resource, type Resource } from './template-paths';

const BUS = 'EventRouting/Bus';
const TABLE = 'TradingTable/Table';

describe.each(['dev', 'staging', 'prod'] as const)('recovery in the %s stack', (env: DeployableEnv) => {
  const template = templateFor(env);
  const config = loadEnvironmentConfig(env);
  // The L2 Archive names its CfnArchive 'Archive', not 'Resource'.
  const archive = () => {
    const archives = Object.values(template.findResources('AWS::Events::Archive') as Record<string, Resource>);
    expect(archives.map((a) => String(a.Metadata?.['aws:cdk:path']))).toEqual([`TradingSafety-${env}/EventRouting/Archive/Archive`]);
    return archives[0] as Resource;
  };

  it('archives the trading bus in exactly one archive, named after the environment', () => {
    template.resourceCountIs('AWS::Events::Archive', 1);
    expect(archive().Properties).toMatchObject({
      ArchiveName: `trading-${env}`,
      SourceArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Events::EventBus', BUS), 'Arn'] },
    });
  });

  it('archives every event of every source the system publishes from, and only those', () => {
    const pattern = archive().Properties.EventPattern as Record<string, unknown>;
    expect(Object.keys(pattern)).toEqual(['source']);
    expect([...(pattern.source as string[])].sort()).toEqual(Object.values(EVENT_SOURCES).sort());
  });

  it(`keeps archived events ${config.eventArchive.retentionDays} days, as the environment's config says`, () => {
    expect(archive().Properties.RetentionDays).toBe(config.eventArchive.retentionDays);
  });

  it('keeps point-in-time recovery on the table', () => {
    expect(resource(template, 'AWS::DynamoDB::Table', TABLE).Properties).toMatchObject({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  });

  it(`${config.retainData ? 'protects' : 'does not protect'} the table from deletion, as it ${config.retainData ? 'retains' : 'deletes'} it with the stack`, () => {
    expect(resource(template, 'AWS::DynamoDB::Table', TABLE).Properties.DeletionProtectionEnabled).toBe(config.retainData);
  });
});

describe('recovery settings between environments', () => {
  it('protects the staging and prod tables from deletion and keeps their point-in-time recovery', () => {
    for (const env of ['staging', 'prod'] as const) {
      templateFor(env).hasResourceProperties('AWS::DynamoDB::Table', {
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
  });

  it('keeps events a week in dev, a month in staging and a year in prod', () => {
    expect((['dev', 'staging', 'prod'] as const).map((env) => loadEnvironmentConfig(env).eventArchive.retentionDays)).toEqual([7, 30, 365]);
  });
});
