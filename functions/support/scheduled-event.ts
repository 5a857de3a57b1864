// The event an EventBridge schedule delivers: the scheduled functions accept it and nothing else on that path.
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import * as z from 'zod';

export const ScheduledEventSchema = EventBridgeSchema.extend({
  source: z.literal('aws.events', { error: 'must be aws.events' }),
  'detail-type': z.literal('Scheduled Event', { error: 'must be "Scheduled Event"' }),
});
