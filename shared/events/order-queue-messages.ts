// What travels on the order FIFO queue: approved orders, the broker's order updates, and cancel commands.
// Each message names its type, so one consumer dispatches them; the envelope (meta) is the same as on the
// bus. Broker updates and cancels share the account#symbol group with the order they concern, so the
// order function sees a symbol's submissions, updates and cancels in the order they were queued.
import * as z from 'zod';
import { DecimalStringSchema, PositiveDecimalStringSchema } from '../money/decimal';
import { BROKER_ORDER_STATUSES } from '../broker/broker-order';
import { isoToEpochMs } from '../time/iso-time';
import { MetaSchema } from './envelope';
import { IntentIdSchema, SymbolSchema } from './ids';
import { OrderApprovedDetailSchema, OrderTypeSchema, SideSchema, TimeInForceSchema } from './order-events';

/** Broker timestamps vary in precision (Alpaca sends nanoseconds); any valid ISO-8601 instant is accepted. */
const BrokerTimeSchema = z
  .string({ error: 'must be a string' })
  .refine((s) => Number.isFinite(isoToEpochMs(s)), { error: 'must be an ISO-8601 timestamp' });

export const BrokerOrderSchema = z
  .object({
    clientOrderId: z.string().min(1).max(128),
    symbol: SymbolSchema,
    side: SideSchema,
    quantity: PositiveDecimalStringSchema,
    orderType: OrderTypeSchema,
    limitPrice: PositiveDecimalStringSchema.optional(),
    timeInForce: TimeInForceSchema,
    brokerOrderId: z.string().min(1).max(128),
    status: z.enum(BROKER_ORDER_STATUSES),
    filledQuantity: DecimalStringSchema,
    filledAvgPrice: PositiveDecimalStringSchema.optional(),
    submittedAt: BrokerTimeSchema,
    updatedAt: BrokerTimeSchema,
    rejectReason: z.string().optional(),
  })
  .strict();

export const BrokerFillSchema = z
  .object({
    executionId: z.string().min(1).max(128),
    brokerOrderId: z.string().min(1).max(128),
    symbol: SymbolSchema,
    side: SideSchema,
    quantity: PositiveDecimalStringSchema,
    price: PositiveDecimalStringSchema,
    cumulativeQuantity: PositiveDecimalStringSchema,
    at: BrokerTimeSchema,
  })
  .strict();

export const BrokerUpdateSchema = z
  .object({ event: z.string().min(1).max(64), order: BrokerOrderSchema, fill: BrokerFillSchema.optional(), at: BrokerTimeSchema })
  .strict();

const detail = <D extends z.ZodType>(data: D) => z.object({ meta: MetaSchema, data }).strict();

export const BrokerUpdateReceivedDetailSchema = detail(z.object({ update: BrokerUpdateSchema }).strict());
export type BrokerUpdateReceivedDetail = z.infer<typeof BrokerUpdateReceivedDetailSchema>;

export const OrderCancelRequestedDetailSchema = detail(
  z
    .object({
      intentId: IntentIdSchema,
      symbol: SymbolSchema,
      /** The person or component asking, for the audit trail. */
      requestedBy: z.string().min(1).max(128),
      reason: z.string().min(1).max(512),
    })
    .strict(),
);
export type OrderCancelRequestedDetail = z.infer<typeof OrderCancelRequestedDetailSchema>;

export const AllOrdersCancelRequestedDetailSchema = detail(
  z.object({ requestedBy: z.string().min(1).max(128), reason: z.string().min(1).max(512) }).strict(),
);
export type AllOrdersCancelRequestedDetail = z.infer<typeof AllOrdersCancelRequestedDetailSchema>;

export const ORDER_QUEUE_MESSAGE_TYPES = {
  OrderApproved: 'OrderApproved.v1',
  BrokerUpdateReceived: 'BrokerUpdateReceived.v1',
  OrderCancelRequested: 'OrderCancelRequested.v1',
  AllOrdersCancelRequested: 'AllOrdersCancelRequested.v1',
} as const;

export const OrderQueueMessageSchema = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal(ORDER_QUEUE_MESSAGE_TYPES.OrderApproved), detail: OrderApprovedDetailSchema }).strict(),
    z.object({ type: z.literal(ORDER_QUEUE_MESSAGE_TYPES.BrokerUpdateReceived), detail: BrokerUpdateReceivedDetailSchema }).strict(),
    z.object({ type: z.literal(ORDER_QUEUE_MESSAGE_TYPES.OrderCancelRequested), detail: OrderCancelRequestedDetailSchema }).strict(),
    z.object({ type: z.literal(ORDER_QUEUE_MESSAGE_TYPES.AllOrdersCancelRequested), detail: AllOrdersCancelRequestedDetailSchema }).strict(),
  ],
  { error: `must be one of ${Object.values(ORDER_QUEUE_MESSAGE_TYPES).join(', ')}` },
);
export type OrderQueueMessage = z.infer<typeof OrderQueueMessageSchema>;
