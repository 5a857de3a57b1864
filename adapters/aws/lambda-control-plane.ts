// The AWS control plane: stops order intake by disabling the order function's SQS event source mapping
// (queued approved orders stay in the queue, unconsumed) and the EventBridge rule that routes intents to
// risk. Both are always attempted, so one failing still leaves the other stopped; any failure throws an
// InfrastructureError carrying the causes. Disabling a disabled mapping or rule is a no-op (idempotent).
import { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetEventSourceMappingCommand, UpdateEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { InfrastructureError } from '../../shared/errors/errors';
import type { ControlPlane, IntakeStatus } from '../../shared/ports/control-plane';

export interface LambdaControlPlaneOptions {
  lambda: LambdaClient;
  events: EventBridgeClient;
  /** UUID of the order queue → order function event source mapping. */
  orderEventSourceMappingId: string;
  /** The rule that routes OrderIntended events to the risk function. */
  intentRuleName: string;
  eventBusName: string;
}

/** Mapping states that mean no batch is (or soon will be) delivered; "Disabling" is on its way there. */
const MAPPING_STOPPED = new Set(['Disabled', 'Disabling']);
const MAPPING_RUNNING = new Set(['Enabled', 'Enabling', 'Creating', 'Updating']);

export class LambdaControlPlane implements ControlPlane {
  constructor(private readonly options: LambdaControlPlaneOptions) {}

  async stopOrderIntake(_reason: string): Promise<void> {
    await this.both('stop order intake', false);
  }

  async resumeOrderIntake(): Promise<void> {
    await this.both('resume order intake', true);
  }

  async intakeStatus(): Promise<IntakeStatus> {
    const { lambda, events, orderEventSourceMappingId, intentRuleName, eventBusName } = this.options;
    try {
      const [mapping, rule] = await Promise.all([
        lambda.send(new GetEventSourceMappingCommand({ UUID: orderEventSourceMappingId })),
        events.send(new DescribeRuleCommand({ Name: intentRuleName, EventBusName: eventBusName })),
      ]);
      const mappingState = mapping.State ?? '';
      const ruleState = rule.State ?? '';
      if (MAPPING_STOPPED.has(mappingState) && ruleState === 'DISABLED') return 'stopped';
      if (MAPPING_RUNNING.has(mappingState) && ruleState.startsWith('ENABLED')) return 'running';
      return 'unknown';
    } catch {
      // Status is a report: not knowing is an answer, never a guess.
      return 'unknown';
    }
  }

  /** Sends both switches even if one fails, then reports every failure. */
  private async both(what: string, enabled: boolean): Promise<void> {
    const { lambda, events, orderEventSourceMappingId, intentRuleName, eventBusName } = this.options;
    const results = await Promise.allSettled([
      lambda.send(new UpdateEventSourceMappingCommand({ UUID: orderEventSourceMappingId, Enabled: enabled })),
      events.send(
        enabled
          ? new EnableRuleCommand({ Name: intentRuleName, EventBusName: eventBusName })
          : new DisableRuleCommand({ Name: intentRuleName, EventBusName: eventBusName }),
      ),
    ]);
    const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ part: i === 0 ? 'event source mapping' : 'intent rule', error: r.reason as unknown }] : []));
    if (failures.length === 0) return;
    throw new InfrastructureError(`${what} failed: ${failures.map((f) => `${f.part} (${errorText(f.error)})`).join(', ')}`, 'control-plane', {
      cause: failures.length === 1 ? failures[0]?.error : new AggregateError(failures.map((f) => f.error)),
    });
  }
}

const errorText = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
