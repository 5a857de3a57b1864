// The broker port as the order function sees it locally, with every new-order call timed at its start: the
// session's record of when orders started towards the venue, kept apart from the gate that let them go.
import type { Broker } from '../shared/ports/broker';
import type { SubmitCall } from './stop-accounting';

export class SubmitCallLog {
  readonly calls: SubmitCall[] = [];

  /** The broker with submitOrder timed (Date.now() before the call); every other call passes through. */
  wrap<B extends Broker>(broker: B): B {
    const calls = this.calls;
    return new Proxy(broker, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== 'submitOrder' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return (request: Parameters<Broker['submitOrder']>[0]) => {
          calls.push({ clientOrderId: request.clientOrderId, startedMs: Date.now() });
          return (value as Broker['submitOrder']).call(target, request);
        };
      },
    });
  }
}
