// The breaker's intake of breach events: which start an execution (BreakerStarter, named after the breach id)
// and which are ignored (counted as BreakerEventIgnored{reason}). Over ports only. Invariants: only a new
// start halts the account, never a duplicate; a failed halt is counted and logged, never thrown; an alarm
// tries every account before it fails; a breach detected after the account returned to trading is a new
// incident (a new episode) even when its id repeats one whose execution has ended.
import { InfrastructureError } from '../errors/errors';
import { breachIdOf } from '../events/breach-id';
import type { RiskBreachDetail } from '../events/risk-events';
import type { BreakerStarter, BreakerTrip } from '../ports/breaker-starter';
import type { Clock } from '../ports/clock';
import type { Log } from '../ports/log';
import type { Telemetry } from '../ports/telemetry';
import type { TradingStateStore } from '../ports/trading-state-store';
import { METRICS } from '../telemetry/metrics';
import { isTradable, TRADABLE_STATES } from '../trading-state/trading-state';
import { compactUtcSecond } from '../time/utc';
import {
  isPersistentBreak,
  tripFromReconciliationBreak,
  tripFromRiskBreach,
  tripsFromAlarm,
  type AlarmStateChangeEvent,
  type ReconciliationBreakDetail,
} from './breach-trip';
import { changeState } from './breaker-tasks';

export interface BreakerIntakeDeps {
  starter: BreakerStarter;
  /** The halt right after a new start: the same conditional, audited write as SetHalted. */
  tradingStateStore: Pick<TradingStateStore, 'changeTradingState' | 'getTradingStateRecord'>;
  clock: Clock;
  telemetry: Telemetry;
  logger: Log;
  /** The accounts an alarm halts (the environment's accounts). Without them an alarm event fails, loudly. */
  accounts?: readonly string[];
}

export interface BreachStartResult {
  breachId: string;
  outcome: 'started' | 'duplicate';
}

/** An alarm halts every configured account: one start each ('started' when any of them started). */
export interface AlarmStartResult {
  alarmName: string;
  outcome: 'started' | 'duplicate';
  starts: (BreachStartResult & { account: string })[];
}

/** An event that by rule starts nothing (counted as BreakerEventIgnored{reason}). */
export interface IgnoredEventResult {
  outcome: 'ignored';
  reason: 'ALARM_NOT_IN_ALARM_STATE' | 'BREAK_NOT_PERSISTENT';
  detail: string;
}

export type BreakerEventResult = BreachStartResult | AlarmStartResult | IgnoredEventResult;

const ignore = (d: BreakerIntakeDeps, reason: IgnoredEventResult['reason'], detail: string): IgnoredEventResult => {
  d.telemetry.count(METRICS.breakerEventIgnored, { reason });
  d.logger.info('breaker event ignored', { reason, detail });
  return { outcome: 'ignored', reason, detail };
};

/**
 * A new execution halts the account from here as well, without waiting for Step Functions to schedule its
 * first task (a state transition and a second invocation, each of which may start cold): the halt latency is
 * that of one conditional write after the start. The execution's SetHalted then finds HALTED and writes
 * nothing. Only after a start, never for a duplicate: a late copy of an old breach must not halt an account a
 * person has since brought back. A failure here is logged and counted, not thrown: SetHalted retries and
 * fails closed.
 */
const haltOnStart = async (d: BreakerIntakeDeps, trip: BreakerTrip): Promise<void> => {
  try {
    await changeState(d, trip, 'HALTED', TRADABLE_STATES, 'circuit breaker tripped');
  } catch (error) {
    d.telemetry.count(METRICS.breakerHaltOnStartFailed);
    d.logger.error('halt on start failed; the execution halts', { breachId: trip.breachId, account: trip.account, error });
  }
};

/**
 * The same trip as a new episode, when its id repeats an execution's but the breach was detected after the
 * account returned to trading (the state's last change, to a tradable state, predates it): an alarm named per
 * hour that goes off again after a recovery within that hour. A late copy of the old breach was detected before
 * the return and stays a duplicate. Named after the return, so copies of the new incident dedupe too.
 */
const newEpisode = async (d: BreakerIntakeDeps, trip: BreakerTrip): Promise<BreakerTrip | undefined> => {
  try {
    const { state, updatedAt } = await d.tradingStateStore.getTradingStateRecord(trip.account);
    if (!isTradable(state) || !updatedAt || !(Date.parse(trip.detectedAt) > Date.parse(updatedAt))) return undefined;
    const resumed = compactUtcSecond(Date.parse(updatedAt));
    return { ...trip, breachId: breachIdOf(trip.kind, trip.breachId, `R${resumed}`), reason: `${trip.reason} (again after trading resumed at ${updatedAt})`.slice(0, 1000) };
  } catch (error) {
    // Unknown whether it is new: the execution of the same id already ran, and a retry of the event asks again.
    d.logger.error('could not tell a repeated breach from a new incident', { breachId: trip.breachId, account: trip.account, error });
    throw new InfrastructureError(`breach ${trip.breachId}: the trading state could not be read to tell a new incident`, 'store', { cause: error });
  }
};

/**
 * Kinds whose producer names the episode in the id itself (INTENT_FLOOD: the moment the account last became
 * tradable), so a repeat of the id is the same incident. Asking the state instead would take a copy that
 * arrives while the first start's halt is still being written for a new incident, and trip twice.
 */
const EPISODE_IN_ID: ReadonlySet<string> = new Set(['INTENT_FLOOD']);

const startTrip = async (d: BreakerIntakeDeps, trip: BreakerTrip): Promise<BreachStartResult> => {
  let started = trip;
  let outcome = await d.starter.start(trip);
  if (outcome === 'duplicate' && !EPISODE_IN_ID.has(trip.kind)) {
    const episode = await newEpisode(d, trip);
    if (episode) {
      started = episode;
      outcome = await d.starter.start(episode);
    }
  }
  if (outcome === 'started') await haltOnStart(d, started);
  d.logger.info('breaker start', { breachId: started.breachId, kind: started.kind, account: started.account, outcome });
  return { breachId: started.breachId, outcome };
};

/** A RiskBreach always starts the breaker, under the breach id its producer gave it. */
export const startFromRiskBreach = (d: BreakerIntakeDeps, detail: RiskBreachDetail): Promise<BreachStartResult> => startTrip(d, tripFromRiskBreach(detail));

/** A reconciliation break starts the breaker only once it persisted (the rule filters too, for any other way in). */
export const startFromReconciliationBreak = async (d: BreakerIntakeDeps, found: ReconciliationBreakDetail): Promise<BreachStartResult | IgnoredEventResult> => {
  if (!isPersistentBreak(found)) {
    const { break: brk, runId } = found.data;
    return ignore(d, 'BREAK_NOT_PERSISTENT', `${brk.kind} in run ${runId} seen by ${brk.consecutiveRuns ?? 1} consecutive run(s)`);
  }
  return startTrip(d, tripFromReconciliationBreak(found));
};

/**
 * Every account is tried even when one start fails; then the call fails, so EventBridge retries it (the
 * accounts already started answer duplicate) and finally keeps it in its dead-letter queue.
 */
export const startFromAlarm = async (d: BreakerIntakeDeps, alarm: AlarmStateChangeEvent): Promise<AlarmStartResult | IgnoredEventResult> => {
  const { alarmName, state } = alarm.detail;
  // OK and INSUFFICIENT_DATA never loosen anything: recovery is the breaker's own path, through its checks.
  if (state.value !== 'ALARM') return ignore(d, 'ALARM_NOT_IN_ALARM_STATE', `${alarmName} is ${state.value}`);
  if (!d.accounts?.length) throw new InfrastructureError(`alarm ${alarmName}: no accounts configured, so none can be halted`, 'config');
  const starts: AlarmStartResult['starts'] = [];
  const failed: { account: string; error: unknown }[] = [];
  for (const trip of tripsFromAlarm(alarm, d.accounts)) {
    try {
      starts.push({ account: trip.account, ...(await startTrip(d, trip)) });
    } catch (error) {
      failed.push({ account: trip.account, error });
    }
  }
  if (failed.length > 0) {
    throw new InfrastructureError(`alarm ${alarmName}: the breaker could not be started for ${failed.map((f) => f.account).join(', ')}`, 'sfn', { cause: failed[0]?.error });
  }
  return { alarmName, outcome: starts.some((s) => s.outcome === 'started') ? 'started' : 'duplicate', starts };
};
