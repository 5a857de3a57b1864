// The deployed table and the local/test table are built from one definition; this proves they agree.
import { describe, expect, it } from 'vitest';
import { createTableInput } from '../../adapters/dynamodb/table-bootstrap';
import { TRADING_TABLE } from '../../shared/storage/table-definition';
import { templateFor } from './synth';

type Named = { AttributeName?: string; IndexName?: string };
type Gsi = { IndexName?: string; KeySchema?: unknown; Projection?: unknown };

const byName = <T extends Named>(list: readonly T[] = []): T[] =>
  [...list].sort((a, b) => String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)));
const gsiShape = (g: Gsi) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection });

describe.each(['dev', 'prod'] as const)('the %s table and the local bootstrap table', (env) => {
  const tables = Object.values(templateFor(env).findResources('AWS::DynamoDB::Table'));
  const deployed = tables[0]?.Properties;
  const local = createTableInput('x');

  it('is one AWS::DynamoDB::Table', () => {
    expect(tables).toHaveLength(1);
  });

  it('have the same key schema', () => {
    expect(deployed.KeySchema).toEqual(local.KeySchema);
  });

  it('define the same attributes', () => {
    expect(byName(deployed.AttributeDefinitions)).toEqual(byName(local.AttributeDefinitions));
  });

  it('have the same global secondary indexes, keys and projections', () => {
    expect(byName<Gsi>(deployed.GlobalSecondaryIndexes).map(gsiShape)).toEqual(
      byName<Gsi>(local.GlobalSecondaryIndexes).map(gsiShape),
    );
  });

  it('bill per request', () => {
    expect(deployed.BillingMode).toBe(local.BillingMode);
  });

  it('expire items on the shared TTL attribute', () => {
    expect(deployed.TimeToLiveSpecification).toEqual({ AttributeName: TRADING_TABLE.timeToLiveAttribute, Enabled: true });
  });
});
