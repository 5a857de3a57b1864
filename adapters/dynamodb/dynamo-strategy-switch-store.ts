// DynamoDB adapter for the StrategySwitchStore port: one item per switched strategy in the account's control
// partition (STRATEGY#<name>), changed in one transaction with its audit entry, conditional on the stored status
// being the other one (a missing item is ENABLED). A replayed request (same audit entry) writes nothing either.
import { readStrategySwitch, type StrategySwitch } from '../../shared/strategy-switch/switch-state';
import type { AuditEntry } from '../../shared/audit/audit-entry';
import type { StrategySwitchStore } from '../../shared/ports/strategy-switch-store';
import { keys, STRATEGY_SWITCH_PREFIX } from '../../shared/storage/table-definition';
import { anyConditionFailed, type DynamoTable, type Item } from './dynamo-table';
import { auditPut } from './items';

/** The switch's attributes as stored (also read by the risk store's snapshot and the submission gate). */
export const strategySwitchOf = (item: Item | undefined): StrategySwitch | undefined =>
  item ? readStrategySwitch({ status: item.status, changedBy: item.changedBy, reason: item.reason, changedAt: item.changedAt }) : undefined;

export class DynamoStrategySwitchStore implements StrategySwitchStore {
  constructor(private readonly table: DynamoTable) {}

  changeStrategySwitch(account: string, strategy: string, next: StrategySwitch, audit: AuditEntry): Promise<'changed' | 'unchanged'> {
    const tableName = this.table.name;
    // Enabling needs a DISABLED item; disabling needs no item or one not DISABLED (ENABLED, or unreadable: a person's disable always lands).
    const condition = next.status === 'ENABLED' ? '#status = :disabled' : 'attribute_not_exists(pk) OR #status <> :disabled';
    return this.table.transact<'changed' | 'unchanged'>(
      `TransactWrite (strategy ${next.status === 'ENABLED' ? 'enable' : 'disable'})`,
      [
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.strategySwitch(account, strategy), type: 'STRATEGY_SWITCH', account, strategy, ...next },
            ConditionExpression: condition,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':disabled': 'DISABLED' },
          },
        },
        auditPut(tableName, audit),
      ],
      'changed',
      (codes) => (anyConditionFailed(codes) ? 'unchanged' : undefined),
    );
  }

  async getStrategySwitches(account: string): Promise<Record<string, StrategySwitch>> {
    const { pk } = keys.strategySwitch(account, '');
    const items = await this.table.queryAll('Query (strategy switches)', {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': STRATEGY_SWITCH_PREFIX },
      ConsistentRead: true,
    });
    const switches: Record<string, StrategySwitch> = {};
    for (const item of items) {
      const found = strategySwitchOf(item);
      if (found) switches[String(item.sk).slice(STRATEGY_SWITCH_PREFIX.length)] = found;
    }
    return switches;
  }
}
