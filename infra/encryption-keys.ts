// The stack's customer-managed KMS keys, one per kind of data (the table, the queues, the alarm topics, the log
// groups, the broker secret), and their key policies. Every key rotates yearly; its policy names the account
// (administration, and the IAM grants the constructs that own the resources make: table.grantReadWriteData,
// queue.grantSendMessages, topic.grantPublish, secret.grantRead) and, where an AWS service must encrypt on the
// stack's behalf, that service alone, under conditions. Construct ids never change (a new id is a new key).
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal, type AddToResourcePolicyResult } from 'aws-cdk-lib/aws-iam';
import { Key, type KeyProps } from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';
import type { EnvironmentConfig } from '../shared/config/environments';

export type KeyPurpose = 'table' | 'queues' | 'notifications' | 'logs' | 'broker-secret';

/** The construct id of each key under EncryptionKeys. */
export const KEY_IDS: Record<KeyPurpose, string> = {
  table: 'TableKey',
  queues: 'QueueKey',
  notifications: 'NotificationKey',
  logs: 'LogKey',
  'broker-secret': 'BrokerSecretKey',
};

const DESCRIPTIONS: Record<KeyPurpose, string> = {
  table: 'the trading table (state, ledger, audit trail) and its backups',
  queues: 'the order, intent, dead-letter and failed-invocation queues',
  notifications: 'the on-call and ticket topics',
  logs: 'the log groups of the functions, the state machine, the API and the feed',
  'broker-secret': 'the broker API key in Secrets Manager',
};

export interface EncryptionKeysProps {
  config: EnvironmentConfig;
}

/** The construct id the stack gives EncryptionKeys: constructs find the keys through their stack. */
export const ENCRYPTION_KEYS_ID = 'EncryptionKeys';

/** An AWS service that must use a key on the stack's behalf, what it needs, and the condition it is held to. */
interface ServiceUse {
  sid: string;
  /** The service principal, as its key policy statement names it. */
  service: string;
  actions: string[];
  conditions: Record<string, Record<string, unknown>>;
}

/**
 * What AWS services need of each key beyond the account's own grants, each limited by a condition KMS can check on
 * the service's request: CloudWatch Logs encrypts the log groups of this account and region; EventBridge delivers
 * to (and dead-letters into) this account's queues in this region; CloudWatch alarms of this account publish to
 * the topics. The table and the secret need none: their services use the key for a caller the account's IAM allows.
 */
const serviceUses = (stack: Stack, purpose: KeyPurpose): ServiceUse[] => {
  const { account, region, partition } = stack;
  switch (purpose) {
    case 'logs':
      // AWS's documented condition for CloudWatch Logs: the log group is in this account and region.
      return [
        {
          sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
          service: `logs.${region}.amazonaws.com`,
          actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          conditions: {
            ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
          },
        },
      ];
    case 'queues':
      // SQS names the queue in every data key's encryption context. EventBridge's requests carry no source account
      // or ARN that KMS could check (AWS documents those conditions as unsupported for EventBridge deliveries), so
      // the queue is the condition.
      return [
        {
          sid: 'EventBridgeDeliversToThisAccountsQueues',
          service: 'events.amazonaws.com',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          conditions: { ArnLike: { 'kms:EncryptionContext:aws:sqs:arn': `arn:${partition}:sqs:${region}:${account}:*` } },
        },
      ];
    case 'notifications':
      // Alarm actions publish as CloudWatch itself; without this every page would be dropped, silently.
      return [
        {
          sid: 'CloudWatchAlarmsOfThisAccountPublish',
          service: 'cloudwatch.amazonaws.com',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          conditions: {
            StringEquals: { 'aws:SourceAccount': account },
            ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
          },
        },
      ];
    case 'table':
    case 'broker-secret':
      return [];
  }
};

/**
 * A key whose policy lets a service use it only under that service's condition, whoever grants it: CDK's
 * SqsQueue rule target, for one, grants EventBridge the target queue's key with no condition, and gets the
 * queue condition here. A grant to any other service fails the synthesis until its condition is written above.
 */
class ServiceConditionedKey extends Key {
  private uses: ServiceUse[] = [];

  constructor(scope: Construct, id: string, props: KeyProps & { uses: ServiceUse[] }) {
    super(scope, id, props);
    this.uses = props.uses;
    for (const use of this.uses) {
      this.addToResourcePolicy(new PolicyStatement({ sid: use.sid, principals: [new ServicePrincipal(use.service)], actions: use.actions, resources: ['*'], conditions: use.conditions }));
    }
  }

  override addToResourcePolicy(statement: PolicyStatement, allowNoOp?: boolean): AddToResourcePolicyResult {
    const services = statement.principals.flatMap((principal) => (principal instanceof ServicePrincipal ? [principal.service] : []));
    // Called by Key's own constructor too (the account statement), before `uses` is set; it names no service.
    if (services.length > 0 && Object.keys(statement.conditions as object).length === 0) {
      for (const service of services) {
        const use = this.uses.find((u) => u.service === service);
        if (!use) throw new Error(`${this.node.path}: ${service} is granted this key without a condition; give its condition in infra/encryption-keys.ts`);
        statement.addConditions(use.conditions);
      }
    }
    return super.addToResourcePolicy(statement, allowNoOp);
  }
}

/**
 * Made once per stack, before anything that encrypts; each key is made when first asked for, so an environment
 * without a broker secret has no key for one.
 */
export class EncryptionKeys extends Construct {
  private readonly keys = new Map<KeyPurpose, Key>();
  private readonly config: EnvironmentConfig;

  /** The keys of `scope`'s stack. */
  static of(scope: IConstruct): EncryptionKeys {
    const keys = Stack.of(scope).node.tryFindChild(ENCRYPTION_KEYS_ID);
    if (!(keys instanceof EncryptionKeys)) throw new Error(`${scope.node.path}: its stack has no ${ENCRYPTION_KEYS_ID} (make them before anything that encrypts)`);
    return keys;
  }

  constructor(scope: Stack, props: EncryptionKeysProps) {
    super(scope, ENCRYPTION_KEYS_ID);
    this.config = props.config;
  }

  key(purpose: KeyPurpose): Key {
    const existing = this.keys.get(purpose);
    if (existing) return existing;
    const key = new ServiceConditionedKey(this, KEY_IDS[purpose], {
      description: `Trading safety ${this.config.name}: ${DESCRIPTIONS[purpose]}`,
      alias: `trading-${this.config.name}-${purpose}`,
      enableKeyRotation: true,
      // Wherever data is kept the key outlives the stack: without it a retained table, log group or secret is unreadable.
      removalPolicy: this.config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      uses: serviceUses(Stack.of(this), purpose),
    });
    this.keys.set(purpose, key);
    return key;
  }
}

/** The stack's key for `purpose` (made on first use). */
export const encryptionKey = (scope: IConstruct, purpose: KeyPurpose): Key => EncryptionKeys.of(scope).key(purpose);
