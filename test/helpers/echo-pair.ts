/**
 * Two contexts in this process, `<name>_server` hosting an open `EchoInstrument` `echo` and `<name>_client`
 * connected to it on the call channel, for tests of what travels between them.
 */
import { Context } from "qmi-ts";
import { EchoInstrument } from "qmi-ts/drivers/dummy/echo-instrument";
import { EchoInstrumentProxy } from "qmi-ts/generated/drivers/dummy/echo-instrument";

/** The two contexts and the client's proxy of the server's echo instrument. */
export interface EchoPair {
  readonly server: Context;
  readonly client: Context;
  readonly echo: EchoInstrumentProxy;
  /** Stops both contexts. */
  stop(): Promise<void>;
}

/** Starts an {@link EchoPair} named after `name`. */
export async function startEchoPair(name: string): Promise<EchoPair> {
  const server = await Context.start(`${name}_server`, { config: null });
  const client = await Context.start(`${name}_client`, { config: null });
  await (await server.makeInstrument("echo", EchoInstrument)).open();
  await client.connectToPeer(`${name}_server`, { address: server.address, callPath: "channel" });
  const echo = await client.getInstrument(`${name}_server.echo`, EchoInstrumentProxy);
  return {
    server,
    client,
    echo,
    stop: async () => {
      await client.stop();
      await server.stop();
    },
  };
}
