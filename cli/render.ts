// What the operator CLI prints for a person: the status of an account in a few lines, an action's outcome,
// and a refusal or failure as one sentence that says why. Pure.
import { timelineMarkdown, type Timeline } from '../shared/timeline/timeline';
import type { ApiResponse } from './operator-api';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '-' : JSON.stringify(v));

/** An account's status: one line per concern, in the order an incident asks about them. */
export const describeStatus = (body: unknown): string[] => {
  const s = obj(body);
  const kill = obj(s.killSwitch);
  const breaker = obj(s.breaker);
  const orders = obj(s.openOrders);
  const recon = obj(s.lastReconciliation);
  const feed = obj(s.feed);
  return [
    `account         ${str(s.account)}`,
    `trading state   ${str(s.tradingState)}`,
    `kill switch     ${s.killSwitch ? `pressed by ${str(kill.activatedBy)} at ${str(kill.at)} (${str(kill.reason)})${kill.release ? `, released by ${str(obj(kill.release).releasedBy)}` : ''}` : 'never pressed'}`,
    `intake          ${str(s.intake)}`,
    `breaker         ${s.breaker ? `${str(breaker.stage)} (${str(breaker.kind)}, since ${str(breaker.since)})${breaker.awaitingApproval ? ': awaiting approval' : ''}` : 'idle'}`,
    `open orders     ${str(orders.count ?? 0)}`,
    `positions       ${Array.isArray(s.positions) ? s.positions.length : 0}${Array.isArray(s.unpriced) && s.unpriced.length > 0 ? ` (unpriced: ${s.unpriced.map(str).join(', ')})` : ''}`,
    `reconciliation  ${s.lastReconciliation ? `${str(recon.status)} at ${str(recon.completedAt)}` : 'none yet'}`,
    `feed            ${s.feed ? `heartbeat ${str(feed.at)} from ${str(feed.feedId)}` : 'no heartbeat'}`,
    ...strategiesOf(s.strategies),
  ];
};

/** The strategies a person switched off (or on again): one line each; nothing when none was ever switched. */
const strategiesOf = (value: unknown): string[] => {
  const entries = Object.entries(obj(value));
  if (entries.length === 0) return [];
  return [
    'strategies',
    ...entries.map(([name, sw]) => {
      const w = obj(sw);
      return `  ${name.padEnd(14)}${str(w.status)} by ${str(w.changedBy)} at ${str(w.changedAt)} (${str(w.reason)})`;
    }),
  ];
};

/** A strategy switch's answer: the switch and, for a disable, what became of the strategy's open orders. */
export const describeStrategySwitch = (command: string, body: unknown): string[] => {
  const b = obj(body);
  const cancels = obj(b.cancels);
  if (b.outcome === 'enabled') return [`strategy ${command}: ${str(b.strategy)} of ${str(b.account)} ENABLED by ${str(b.enabledBy)} at ${str(b.at)}`];
  return [
    `strategy ${command}: ${str(b.strategy)} of ${str(b.account)} DISABLED by ${str(b.disabledBy)} at ${str(b.at)}${b.alreadyDisabled ? ' (already disabled: the cancels ran again)' : ''}`,
    `  cancels ${str(cancels.status)}: ${str(cancels.canceledLocally)} cancelled before sending, ${str(cancels.requested)} requested at the broker` +
      `${Array.isArray(cancels.waiting) && cancels.waiting.length > 0 ? `; still being submitted: ${cancels.waiting.map(str).join(', ')} (run again)` : ''}` +
      `${Array.isArray(cancels.notReached) && cancels.notReached.length > 0 ? `; not reached in time: ${cancels.notReached.map(str).join(', ')} (run again)` : ''}` +
      `${cancels.detail ? `: ${str(cancels.detail)}` : ''}`,
  ];
};

const issuesOf = (body: Json): string =>
  Array.isArray(body.issues) ? body.issues.map((i) => `${str(obj(i).path)}: ${str(obj(i).rule)}`).join('; ') : str(body.message);

/** The steps an action reports, one line each (`state done: ACTIVE -> KILLED`); else its answer as JSON. */
const stepsOf = (body: Json): string[] =>
  Array.isArray(body.steps)
    ? body.steps.map((step) => {
        const st = obj(step);
        return `  ${str(st.step)} ${str(st.status)}${st.detail ? `: ${str(st.detail)}` : ''}`;
      })
    : [JSON.stringify(body, null, 2)];

/** An action's answer: what it did (or did in part), or why it was refused or failed. */
export const describeAnswer = (command: string, answer: ApiResponse): string[] => {
  const body = obj(answer.body);
  switch (true) {
    case answer.status === 200:
      return [`${command}: done${body.state ? ` (${str(body.account)} ${str(body.state)})` : ''}`, ...stepsOf(body)];
    case answer.status === 207:
      return [`${command}: done in part: a step failed; running it again retries what failed`, ...stepsOf(body)];
    case answer.status === 400:
      return [`${command}: invalid input: ${issuesOf(body)}`];
    case answer.status === 403:
      return [`${command}: access denied: ${str(body.message)}`];
    case answer.status === 404:
      return [`${command}: ${body.error === 'UnknownAccount' ? 'unknown account' : 'not found'}: ${str(body.message)}`];
    case answer.status === 409:
      return [`${command} refused${body.reason ? ` (${str(body.reason)})` : ''}: ${str(body.message)}`];
    case answer.status === 503:
      return [`${command}: the API could not complete it: ${str(body.message)}`];
    default:
      return [`${command}: the API answered ${answer.status}: ${str(body.message ?? body.error)}`];
  }
};

/** A timeline answer as the Markdown a post-mortem pastes in. */
export const describeTimeline = (body: unknown): string[] => {
  const t = obj(body);
  if (!Array.isArray(t.entries) || typeof t.account !== 'string') return [JSON.stringify(body, null, 2)];
  return [timelineMarkdown(body as Timeline).trimEnd()];
};

/** An account's limits: the override's version and fields, then the limits in force (or why there are none). */
export const describeLimits = (body: unknown): string[] => {
  const b = obj(body);
  const override = obj(b.override);
  return [
    `account         ${str(b.account)}`,
    `override        ${b.override ? `version ${str(b.version)}: ${Object.keys(override).join(', ') || '(empty)'}` : "none: the environment's defaults apply"}`,
    b.effective ? 'limits in force' : 'limits in force: NONE: the stored override is invalid, every intent is denied LIMITS_INVALID',
    ...(b.effective ? JSON.stringify(b.effective, null, 2).split('\n').map((line) => `  ${line}`) : []),
  ];
};
