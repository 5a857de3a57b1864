// The trading table, built from the one shared definition (shared/storage/table-definition.ts) that the
// local bootstrap also uses, so the deployed table and DynamoDB Local cannot drift apart. Also the grant
// scoped to the market items, which only the table's key design can express.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, Grant, PolicyStatement, type IGrantable, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';
import { CONTROL_PARTITION_PREFIX, keys, TRADING_TABLE, type KeyAttribute } from '../shared/storage/table-definition';
import { encryptionKey } from './encryption-keys';
import { acknowledge, arnWildcardFinding, resourceOf } from './policy-checks';

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
 * The table's key for a grant on its items, as table.grantReadData and grantReadWriteData give it: DynamoDB
 * uses the key for a caller only if the caller may decrypt with it (and encrypt, to write).
 */
const withKeyUse = (grant: Grant, table: ITable, grantee: IGrantable, writes: boolean): Grant => {
  const key = table.encryptionKey;
  if (!key) return grant;
  return grant.combine(writes ? key.grantEncryptDecrypt(grantee) : key.grantDecrypt(grantee));
};

/**
 * Lets `grantee` make `actions` on the MARKET items and no others: IAM checks each request's partition key.
 * Single-item actions only, because `ForAllValues` holds for a request without a key (a Scan would pass).
 */
export const grantMarketItems = (table: ITable, grantee: IGrantable, actions: readonly MarketItemAction[]): Grant =>
  withKeyUse(
    Grant.addToPrincipal({
      grantee,
      actions: actions.map((action) => `dynamodb:${action}`),
      resourceArns: [table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [MARKET_PARTITION] } },
    }),
    table,
    grantee,
    actions.some((action) => action !== 'GetItem'),
  );

/**
 * Lets `grantee` read (Query, GetItem, never write) the control partitions of `accounts`: the feed reads its
 * account's strategy switches there. A Query always names its partition, which the condition checks.
 */
export const grantControlPartitionReads = (table: ITable, grantee: IGrantable, accounts: readonly string[]): Grant =>
  withKeyUse(
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query', 'dynamodb:GetItem'],
      resourceArns: [table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': accounts.map((account) => keys.tradingState(account).pk) } },
    }),
    table,
    grantee,
    false,
  );

/**
 * Acknowledges, on `grantee`'s role, the index wildcard of table.grantReadData or grantReadWriteData: call it where
 * the grant is made.
 */
export const acknowledgeIndexGrant = (table: ITable, grantee: IGrantable): void => {
  const role = grantee.grantPrincipal;
  if (!Construct.isConstruct(role)) throw new Error(`the table's grantee has no role in this stack to acknowledge the grant on`);
  acknowledge(role, {
    id: arnWildcardFinding(table, '/index/*'),
    reason: "CDK's table grant names the table's own global secondary indexes as <table ARN>/index/*: queries by correlation id read them, and the wildcard reaches no other table.",
  });
};

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
      // Wherever the data is kept (staging and prod): deleting the table takes turning this off first, never one call.
      deletionProtection: props.config.retainData,
      removalPolicy: props.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // The stack's own key: only principals granted the table (and administrators) can use it, and every use is in CloudTrail.
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: encryptionKey(this, 'table'),
    });
    acknowledge(resourceOf(this.table), {
      id: 'NIST.800.53.R5-DynamoDBInBackupPlan',
      reason:
        'Recovery of the table is point-in-time recovery, on in every environment (any second of the last 35 days, restored to a new table), with the event archive to replay what followed; an AWS Backup plan would add a second copy of the same data and a second restore procedure.',
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
