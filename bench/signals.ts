/**
 * Benchmark 4: signal events per second delivered to one and to 8 remote subscribers. The benchmark server
 * publishes a burst of `sampleTaken` events; each subscriber is a counting sink behind its own proxy (its own
 * stream: `qmi.core.Signals/Subscribe`, several events per message, or `SubscribeSampleTaken` with
 * `QMI_CALL_PATH=unary`). Events/s = events delivered to all subscribers / (last delivery - burst start).
 */
import { Context, type QmiError, type SignalSink } from "qmi-ts";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";

/** What {@link benchSignals} measured for one number of subscribers. */
export interface SignalFigures {
  readonly subscribers: number;
  readonly eventsPerS: number;
  /** Events the server dropped while a subscriber did not keep up (they show as gaps in `sequence`). */
  readonly dropped: number;
}

class CountingSink implements SignalSink {
  count = 0;
  missed = 0;
  last = 0;
  push(_signal: unknown, missed = 0): void {
    this.count++;
    this.missed += missed;
    this.last = performance.now();
  }
  end(_error: QmiError): void {}
  attach(): void {}
}

/** Subscribes `subscribers` sinks, asks the server (`burst`) for `events` events, counts what arrives. */
export async function benchSignals(
  address: string,
  subscribers: number,
  events: number,
  burst: (count: number) => Promise<void>,
): Promise<SignalFigures> {
  const client = await Context.start(`bench_signals_${subscribers}`, { config: { logging: { console_loglevel: "WARNING" } } });
  try {
    await client.connectToPeer("bench_server", { address });
    const sinks = Array.from({ length: subscribers }, () => new CountingSink());
    const subscriptions = [];
    for (const sink of sinks) {
      const nsg = await client.getInstrument("bench_server.nsg", NoisySineGeneratorProxy);
      subscriptions.push(await nsg.subscribe("sampleTaken", sink as SignalSink<never>));
    }
    const start = performance.now();
    await burst(events);
    const total = () => sinks.reduce((sum, s) => sum + s.count + s.missed, 0);
    const waitUntil = performance.now() + 10_000;
    while (total() < events * subscribers && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 5));
    const delivered = sinks.reduce((sum, s) => sum + s.count, 0);
    const last = Math.max(...sinks.map((s) => s.last));
    for (const subscription of subscriptions) subscription.unsubscribe();
    return {
      subscribers,
      eventsPerS: delivered / ((last - start) / 1000),
      dropped: events * subscribers - delivered,
    };
  } finally {
    await client.stop();
  }
}
