// The trading table, built from the one shared definition (shared/storage/table-definition.ts) that the
// local bootstrap also uses. Prod and staging keep the table (state and audit are records) and recover to a
// point in time.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import { TRADING_TABLE, type KeyAttribute } from '../shared/storage/table-definition';

export interface TradingTableProps {
  config: EnvironmentConfig;
}

const attribute = (key: KeyAttribute) => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

export class TradingTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: TradingTableProps) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: attribute(TRADING_TABLE.partitionKey),
      sortKey: attribute(TRADING_TABLE.sortKey),
      billing: Billing.onDemand(),
      timeToLiveAttribute: TRADING_TABLE.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.config.name === 'prod',
      removalPolicy: props.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      globalSecondaryIndexes: TRADING_TABLE.globalSecondaryIndexes.map((gsi) => ({
        indexName: gsi.indexName,
        partitionKey: attribute(gsi.partitionKey),
        sortKey: attribute(gsi.sortKey),
      })),
    });
  }
}
