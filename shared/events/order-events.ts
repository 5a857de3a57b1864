// Order-path event contracts: the intent a strategy raises and what risk, order and reconciliation say
// about it. Detail types are versioned (`Name.vN`); a breaking change adds a new version beside the old.
import * as z from 'zod';
import { DecimalStringSchema, PositiveDecimalStringSchema } from '../money/decimal';
import { MetaSchema } from './envelope';
import { IntentIdSchema, SymbolSchema, UtcTimestampSchema } from './ids';
import { DENIAL_REASONS } from '../reasons/denial-reasons';

export const SideSchema = z.enum(['buy', 'sell']);
export type Side = z.infer<typeof SideSchema>;
export const OrderTypeSchema = z.enum(['market', 'limit']);
export const TimeInForceSchema = z.enum(['day', 'gtc', 'ioc']);

export const OrderIntentSchema = z
  .object({
    intentId: IntentIdSchema,
    symbol: SymbolSchema,
    side: SideSchema,
    quantity: PositiveDecimalStringSchema,
    orderType: OrderTypeSchema,
    limitPrice: PositiveDecimalStringSchema.optional(),
    timeInForce: TimeInForceSchema,
    createdAt: UtcTimestampSchema,
  })
  .strict()
  .superRefine((intent, ctx) => {
    if (intent.orderType === 'limit' && intent.limitPrice === undefined) {
      ctx.addIssue({ code: 'custom', path: ['limitPrice'], message: 'is required for a limit order' });
    }
    if (intent.orderType === 'market' && intent.limitPrice !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['limitPrice'], message: 'must be absent for a market order' });
    }
  });
export type OrderIntent = z.infer<typeof OrderIntentSchema>;

export const DenialReasonSchema = z.enum(DENIAL_REASONS);

const detail = <D extends z.ZodType>(data: D) => z.object({ meta: MetaSchema, data }).strict();

export const OrderIntendedDetailSchema = detail(OrderIntentSchema);
export const OrderApprovedDetailSchema = detail(
  z
    .object({
      intent: OrderIntentSchema,
      approvedAt: UtcTimestampSchema,
      /** The size to send: the intent's, or less when WARNING scaled it down. */
      approvedQuantity: PositiveDecimalStringSchema,
      notional: DecimalStringSchema,
    })
    .strict(),
);
export const OrderDeniedDetailSchema = detail(
  z
    .object({
      intent: OrderIntentSchema,
      stage: z.enum(['pre-trade', 'pre-submit']),
      reason: DenialReasonSchema,
      failedChecks: z.array(DenialReasonSchema).min(1),
      message: z.string(),
    })
    .strict(),
);
export const OrderSubmittedDetailSchema = detail(
  z
    .object({
      intentId: IntentIdSchema,
      clientOrderId: IntentIdSchema,
      brokerOrderId: z.string().min(1),
      symbol: SymbolSchema,
      side: SideSchema,
      quantity: PositiveDecimalStringSchema,
      brokerStatus: z.string().min(1),
    })
    .strict(),
);
export const FillAppliedDetailSchema = detail(
  z
    .object({
      intentId: IntentIdSchema,
      tradeId: z.string().min(1),
      symbol: SymbolSchema,
      side: SideSchema,
      quantity: PositiveDecimalStringSchema,
      price: PositiveDecimalStringSchema,
      positionQuantity: DecimalStringSchema,
      cashDelta: DecimalStringSchema,
    })
    .strict(),
);

/** An intent event whose envelope agrees with its body: the intent id is the correlation id. */
export const OrderIntendedEventDetailSchema = OrderIntendedDetailSchema.superRefine((detail, ctx) => {
  if (detail.meta.correlationId !== detail.data.intentId) {
    ctx.addIssue({ code: 'custom', path: ['meta', 'correlationId'], message: 'must equal data.intentId' });
  }
  if (detail.meta.producer !== 'feed') {
    ctx.addIssue({ code: 'custom', path: ['meta', 'producer'], message: 'must be "feed" for an order intent' });
  }
});
