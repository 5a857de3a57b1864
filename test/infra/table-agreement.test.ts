// The deployed table and the local/test table are built from one definition; this proves they agree.
import { describe, expect, it } from 'vitest';
import { createTableInput } from '../../adapters/dynamodb/table-bootstrap';
import { TRADING_TABLE } from '../../shared/storage/table-definition';
import { templateFor } from './synth';

describe('table agreement', () => {
  it('gives the synthesized table the same keys, attributes, indexes and TTL as the local bootstrap', () => {
    const [table] = Object.values(templateFor('prod').findResources('AWS::DynamoDB::GlobalTable'));
    const local = createTableInput('x');
    const props = table?.Properties;
    const sortByName = <T extends { AttributeName?: string; IndexName?: string }>(list: T[] = []) =>
      [...list].sort((a, b) => String(a.AttributeName ?? a.IndexName).localeCompare(String(b.AttributeName ?? b.IndexName)));

    expect(props.KeySchema).toEqual(local.KeySchema);
    expect(sortByName(props.AttributeDefinitions)).toEqual(sortByName(local.AttributeDefinitions));
    type Gsi = { IndexName?: string; KeySchema?: unknown; Projection?: unknown };
    const shape = (g: Gsi) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection });
    expect(sortByName<Gsi>(props.GlobalSecondaryIndexes).map(shape)).toEqual(sortByName<Gsi>(local.GlobalSecondaryIndexes).map(shape));
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: TRADING_TABLE.timeToLiveAttribute, Enabled: true });
  });
});
