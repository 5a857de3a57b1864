// Who an alarm reaches, per environment: the page tier wakes someone (the on-call topic), the ticket tier is
// for the next working day (the ticket topic). Each tier is e-mail addresses, HTTPS webhooks (a PagerDuty or
// Opsgenie events endpoint subscribed to the topic) and optionally one Slack channel through AWS Chatbot.
// Invariant: a webhook is HTTPS (a page carries account names and reasons), and a deployed environment that
// trades (staging, prod) pages at least one of them.
import * as z from 'zod';

export const HttpsUrlSchema = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });
const EmailSchema = z.email({ error: 'must be an e-mail address' });

export const PagingTargetsSchema = z
  .object({
    emails: z.array(EmailSchema).optional(),
    webhooks: z.array(HttpsUrlSchema).optional(),
    /** A Slack channel the AWS Chatbot app is installed in (workspace id `T…`, channel id `C…`). */
    slack: z.object({ workspaceId: z.string().regex(/^T[A-Z0-9]+$/, 'must be a Slack workspace id (T…)'), channelId: z.string().regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel id (C…)') }).strict().optional(),
  })
  .strict();
export type PagingTargets = z.infer<typeof PagingTargetsSchema>;

/** The tiers an alarm can have: woken now, a ticket, or only seen on the dashboard. */
export const ALARM_TIERS = ['page', 'ticket', 'dashboard'] as const;
export type AlarmTier = (typeof ALARM_TIERS)[number];

/** Environments whose alarms must reach a person: synthesis refuses them without a page subscription. */
export const MUST_PAGE: readonly string[] = ['staging', 'prod'];

export const reachesSomeone = (targets: PagingTargets | undefined): boolean =>
  (targets?.emails?.length ?? 0) + (targets?.webhooks?.length ?? 0) > 0 || targets?.slack !== undefined;

/** A context value, validated, or nothing when it was not given. */
const given = <T>(schema: z.ZodType<T>, value: unknown, option: string): T[] => {
  if (value === undefined || value === null || value === '') return [];
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`-c ${option}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return [parsed.data];
};

/** The page tier with the addresses given at synthesis (`-c onCallEmail=…`, `-c onCallWebhookUrl=…`) added. */
export const withPageTargets = (targets: PagingTargets | undefined, extra: { email?: unknown; webhookUrl?: unknown }): PagingTargets => {
  const emails = [...(targets?.emails ?? []), ...given(EmailSchema, extra.email, 'onCallEmail')];
  const webhooks = [...(targets?.webhooks ?? []), ...given(HttpsUrlSchema, extra.webhookUrl, 'onCallWebhookUrl')];
  return { ...targets, ...(emails.length > 0 ? { emails } : {}), ...(webhooks.length > 0 ? { webhooks } : {}) };
};
