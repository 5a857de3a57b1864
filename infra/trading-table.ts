// The trading table, built from the one shared definition (shared/storage/table-definition.ts) that the
// local bootstrap also uses, so the deployed table and DynamoDB Local cannot drift apart.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
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
  readonly table: Table;

  constructor(scope: Construct, id: string, props: TradingTableProps) {
    super(scope, id);
    // A plain AWS::DynamoDB::Table: single region, and the same shape CreateTable builds locally.
    this.table = new Table(this, 'Table', {
      partitionKey: attribute(TRADING_TABLE.partitionKey),
      sortKey: attribute(TRADING_TABLE.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TRADING_TABLE.timeToLiveAttribute,
      // Always on: state and audit entries are records, and a bad deploy or bug must be recoverable.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.config.name === 'prod',
      removalPolicy: props.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const gsi of TRADING_TABLE.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: attribute(gsi.partitionKey),
        sortKey: attribute(gsi.sortKey),
        // Matches the local bootstrap's ProjectionType ALL: audit reads need whole entries.
        projectionType: ProjectionType.ALL,
      });
    }
  }
}
