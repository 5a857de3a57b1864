// DynamoDB adapter for the LimitsStore port: the account's LIMITS item (the override and its version counter,
// which the risk function's compiled-limits memo keys on), written in one transaction with its audit entry and
// conditional on the version read.
import type { AuditEntry } from '../../shared/audit/audit-entry';
import type { LimitsStore, StoredLimitsOverride } from '../../shared/ports/limits-store';
import { keys } from '../../shared/storage/table-definition';
import { anyConditionFailed, type DynamoTable } from './dynamo-table';
import { auditPut, n, str } from './items';

export class DynamoLimitsStore implements LimitsStore {
  constructor(private readonly table: DynamoTable) {}

  async getLimitsOverride(account: string): Promise<StoredLimitsOverride> {
    const item = await this.table.get('GetItem (limits)', keys.limits(account));
    return { override: item?.limits, version: str(item?.version) };
  }

  putLimitsOverride(account: string, override: unknown, expectedVersion: string | undefined, audit: AuditEntry): Promise<'written' | 'moved'> {
    const tableName = this.table.name;
    return this.table.transact<'written' | 'moved'>(
      'TransactWrite (limits)',
      [
        {
          Update: {
            TableName: tableName,
            Key: keys.limits(account),
            UpdateExpression: 'SET limits = :limits, #type = :type ADD version :one',
            ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(version)' : 'version = :expected',
            ExpressionAttributeNames: { '#type': 'type' },
            ExpressionAttributeValues: { ':limits': override, ':type': 'LIMITS', ':one': n(1), ...(expectedVersion === undefined ? {} : { ':expected': n(expectedVersion) }) },
          },
        },
        auditPut(tableName, audit),
      ],
      'written',
      (codes) => (anyConditionFailed(codes) ? 'moved' : undefined),
    );
  }
}
