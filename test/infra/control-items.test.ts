// The items that control trading (trading state, kill-switch records, the breaker's trips, execution and
// approval) are writable in AWS only by the breaker and kill-switch functions: every other role that may write
// the table carries an explicit Deny on writes under the CONTROL# partition, which no Allow can lift.
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ITEM_WRITE_ACTIONS } from '../../infra/trading-table';
import { CONTROL_PARTITION_PREFIX, keys } from '../../shared/storage/table-definition';
import { templateFor, type DeployableEnv } from './synth';
import { actionsOf, logicalId, type Resource, type Statement } from './template-paths';

interface PolicyStatement extends Statement {
  Condition?: Record<string, Record<string, unknown>>;
}

const TABLE = 'TradingTable/Table';
/** The roles allowed to write control items, by the construct path of their default policy. */
const CONTROL_WRITERS = ['CircuitBreaker/BreakerFunction/Function/ServiceRole/DefaultPolicy', 'KillSwitchApi/KillSwitchFunction/Function/ServiceRole/DefaultPolicy'];

const pathOf = (r: Resource) => String(r.Metadata?.['aws:cdk:path']).replace(/^[^/]+\//, '').replace(/\/Resource$/, '');

/** Every IAM policy that allows an item write on the trading table: its construct path and its statements. */
const tableWriters = (template: Template): { path: string; statements: PolicyStatement[] }[] => {
  const table = logicalId(template, 'AWS::DynamoDB::Table', TABLE);
  const onTable = (s: PolicyStatement) => JSON.stringify(s.Resource).includes(`"${table}"`);
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .map((r) => ({ path: pathOf(r), statements: (r.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement }))
    .filter(({ statements }) => statements.some((s) => s.Effect === 'Allow' && onTable(s) && actionsOf(s).some((a) => (ITEM_WRITE_ACTIONS as readonly string[]).includes(a) || a === 'dynamodb:*')));
};

/** Its writes are allowed only on named partitions, none of them a control one (the feed task's MARKET items). */
const onlyOtherPartitions = (statements: PolicyStatement[]) =>
  statements
    .filter((s) => s.Effect === 'Allow' && actionsOf(s).some((a) => (ITEM_WRITE_ACTIONS as readonly string[]).includes(a)))
    .every((s) => {
      const partitions = s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];
      return Array.isArray(partitions) && partitions.length > 0 && partitions.every((p) => typeof p === 'string' && !p.startsWith(CONTROL_PARTITION_PREFIX) && !p.includes('*'));
    });

const controlDeny = (statements: PolicyStatement[]) =>
  statements.find((s) => s.Effect === 'Deny' && ITEM_WRITE_ACTIONS.every((a) => actionsOf(s).includes(a)));

describe.each(['dev', 'prod'] as const)('control items in the %s stack', (env: DeployableEnv) => {
  const template = templateFor(env);
  const writers = tableWriters(template);

  it('keeps every control item under the CONTROL# partition, apart from the items other functions write', () => {
    for (const key of [keys.tradingState('a'), keys.killSwitch('a'), keys.breakerTrips('a'), keys.breakerExecution('a'), keys.strategySwitch('a', 's')]) expect(key.pk.startsWith(CONTROL_PARTITION_PREFIX)).toBe(true);
    for (const key of [keys.order('a', 'i'), keys.book('a'), keys.riskSession('a'), keys.throttle('a', 's'), keys.reconciliation('a'), keys.marks()]) expect(key.pk.startsWith(CONTROL_PARTITION_PREFIX)).toBe(false);
  });

  it('lets only the breaker and kill-switch functions write control items: every other writer of the table is denied them', () => {
    expect(writers.map((w) => w.path)).toEqual(expect.arrayContaining(CONTROL_WRITERS));
    const scoped = writers.filter((w) => !CONTROL_WRITERS.includes(w.path) && onlyOtherPartitions(w.statements));
    expect(scoped.map((w) => w.path)).toEqual(['FeedService/TaskDefinition/TaskRole/DefaultPolicy']);
    const others = writers.filter((w) => !CONTROL_WRITERS.includes(w.path) && !scoped.includes(w));
    // The risk, order and reconciliation functions and the dead-man switch.
    expect(others.length).toBeGreaterThanOrEqual(4);
    for (const { path, statements } of others) {
      const deny = controlDeny(statements);
      expect(deny, `${path} may write control items`).toBeDefined();
      expect(deny?.Condition).toEqual({ 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${CONTROL_PARTITION_PREFIX}*`] } });
    }
  });

  it('does not deny the breaker and the kill switch their writes', () => {
    for (const path of CONTROL_WRITERS) {
      const writer = writers.find((w) => w.path === path);
      expect(writer && controlDeny(writer.statements), path).toBeUndefined();
    }
  });

  it('grants no function PartiQL writes, which would carry no partition key for the Deny to test', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).flatMap(
      (r) => (r.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement,
    );
    for (const s of statements) if (s.Effect === 'Allow') expect(actionsOf(s).filter((a) => /PartiQL(Insert|Update|Delete)|dynamodb:\*/.test(a))).toEqual([]);
  });
});
