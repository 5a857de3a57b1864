// The catalog of detail types: one place maps each versioned name to its schema, so producers, the bus
// adapters, the route table and the handlers agree on what a name means.
import type * as z from 'zod';
import {
  FillAppliedDetailSchema,
  OrderApprovedDetailSchema,
  OrderDeniedDetailSchema,
  OrderIntendedDetailSchema,
  OrderSubmittedDetailSchema,
} from './order-events';
import { ReconciliationBreakFoundDetailSchema, ReconciliationCompletedDetailSchema } from './reconciliation-events';
import { EVENT_SOURCES, type Producer } from './envelope';
import { MarketSourceSwitchedDetailSchema } from './market-events';
import { RiskBreachDetailSchema } from './risk-events';
import { ExecutionThrottleTrippedDetailSchema } from './throttle-events';

export const DETAIL_TYPES = {
  OrderIntended: 'OrderIntended.v1',
  OrderApproved: 'OrderApproved.v1',
  OrderDenied: 'OrderDenied.v1',
  OrderSubmitted: 'OrderSubmitted.v1',
  FillApplied: 'FillApplied.v1',
  ReconciliationCompleted: 'ReconciliationCompleted.v1',
  ReconciliationBreakFound: 'ReconciliationBreak.v1',
  RiskBreach: 'RiskBreach.v1',
  MarketSourceSwitched: 'MarketSourceSwitched.v1',
  ExecutionThrottleTripped: 'ExecutionThrottleTripped.v1',
} as const;
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

export const DETAIL_SCHEMAS = {
  'OrderIntended.v1': OrderIntendedDetailSchema,
  'OrderApproved.v1': OrderApprovedDetailSchema,
  'OrderDenied.v1': OrderDeniedDetailSchema,
  'OrderSubmitted.v1': OrderSubmittedDetailSchema,
  'FillApplied.v1': FillAppliedDetailSchema,
  'ReconciliationCompleted.v1': ReconciliationCompletedDetailSchema,
  'ReconciliationBreak.v1': ReconciliationBreakFoundDetailSchema,
  'RiskBreach.v1': RiskBreachDetailSchema,
  'MarketSourceSwitched.v1': MarketSourceSwitchedDetailSchema,
  'ExecutionThrottleTripped.v1': ExecutionThrottleTrippedDetailSchema,
} as const satisfies Record<DetailType, z.ZodType>;

export type DetailOf<T extends DetailType> = z.infer<(typeof DETAIL_SCHEMAS)[T]>;

/** A domain event as it leaves a component: what the bus adapters turn into PutEvents entries. */
export interface DomainEvent<T extends DetailType = DetailType> {
  source: string;
  detailType: T;
  detail: DetailOf<T>;
}

export const domainEvent = <T extends DetailType>(detailType: T, detail: DetailOf<T>): DomainEvent<T> => ({
  source: EVENT_SOURCES[detail.meta.producer as Producer],
  detailType,
  detail,
});

export const isDetailType = (value: unknown): value is DetailType =>
  typeof value === 'string' && Object.prototype.hasOwnProperty.call(DETAIL_SCHEMAS, value);
