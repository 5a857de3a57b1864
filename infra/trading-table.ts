// The trading table, built from the one shared definition (shared/storage/table-definition.ts) that the
// local bootstrap also uses, so the deployed table and DynamoDB Local cannot drift apart. Also the grant
// scoped to the market items, which only the table's key design can express.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, Grant, PolicyStatement, type IGrantable, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import { CONTROL_PARTITION_PREFIX, keys, TRADING_TABLE, type KeyAttribute } from '../shared/storage/table-definition';

export interface TradingTableProps {
  config: EnvironmentConfig;
}

const attribute = (key: KeyAttribute) => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/** The partition of the marks, reference data, the feed's heartbeat and its lease. */
export const MARKET_PARTITION = keys.marks().pk;

/** The single-item calls the market partition may be given: each names its key, which the condition below needs. */
export type MarketItemAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem';

/**
 * Lets `grantee` make `actions` on the MARKET items and no others: IAM checks each request's partition key.
 * Single-item actions only, because `ForAllValues` holds for a request without a key (a Scan would pass).
 */
export const grantMarketItems = (table: ITable, grantee: IGrantable, actions: readonly MarketItemAction[]): Grant =>
  Grant.addToPrincipal({
    grantee,
    actions: actions.map((action) => `dynamodb:${action}`),
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [MARKET_PARTITION] } },
  });

/**
 * Lets `grantee` read (Query, GetItem, never write) the control partitions of `accounts`: the feed reads its
 * account's strategy switches there. A Query always names its partition, which the condition checks.
 */
export const grantControlPartitionReads = (table: ITable, grantee: IGrantable, accounts: readonly string[]): Grant =>
  Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:Query', 'dynamodb:GetItem'],
    resourceArns: [table.tableArn],
    conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': accounts.map((account) => keys.tradingState(account).pk) } },
  });

/** Every DynamoDB action that writes an item (PartiQL's writes are never granted to any function). */
export const ITEM_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'] as const;

/**
 * Takes from `grantee` the writes of the items that control trading (the CONTROL#<account> partition: trading
 * state, kill-switch record, breaker trips and execution with its approval): an explicit Deny, which no Allow
 * can lift, on every write whose partition key is a control one. Reads and transactional condition checks stay
 * allowed (the order function's claim checks the state it may not write). Every function but the breaker and
 * the kill switch gets this.
 */
export const denyControlItemWrites = (table: ITable, grantee: IGrantable & { grantPrincipal: IPrincipal }): void => {
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({
      effect: Effect.DENY,
      actions: [...ITEM_WRITE_ACTIONS],
      resources: [table.tableArn],
      conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${CONTROL_PARTITION_PREFIX}*`] } },
    }),
  );
};

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
