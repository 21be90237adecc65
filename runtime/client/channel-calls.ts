/**
 * Calls to a peer on its call channel (`qmi.core.Channel`, see `channel-client.ts`): the request serialized and
 * sent as one `ChannelCall`, the answer deserialized. A call the channel cannot take goes the `fallback` way (the
 * connection's unary calls) instead: while the channel is not open (or the peer does not serve it), and when its
 * request is larger than the channel carries (in parts, to a peer that assembles them; whole, to one that does not).
 *
 * @module
 */
import type { WireMessage } from "../protocol/codec.ts";
import type { ChannelClient } from "./channel-client.ts";
import { methodOf, type PeerCall, type WirePath } from "./peer-link.ts";

/** The call channel as a {@link WirePath}, with a fallback for the calls it cannot take. */
export class ChannelCalls implements WirePath {
  /** Calls sent on the channel so far (the rest took the fallback). */
  sent = 0;

  constructor(
    private readonly channel: ChannelClient,
    private readonly fallback: WirePath,
  ) {}

  call(call: PeerCall): Promise<WireMessage> {
    const ready = this.channel.ready();
    if (ready === true) return this.#send(call);
    if (ready === false) return this.fallback.call(call);
    return ready.then((open) => (open ? this.#send(call) : this.fallback.call(call)));
  }

  /**
   * Sends `call` on the open channel. Not an async function: a suspended frame would keep the request bytes (up
   * to 256 MiB in parts) alive until the answer came.
   */
  #send(call: PeerCall): Promise<WireMessage> {
    const definition = methodOf(call);
    const request = definition.requestSerialize(call.request);
    if (!this.channel.accepts(request.length)) return this.fallback.call(call);
    this.sent++;
    return this.channel
      .call({
        path: definition.path,
        request,
        object: call.object,
        lockToken: call.lockToken,
        leaseId: call.leaseId,
        deadline: call.deadline,
        signal: call.signal,
        what: call.what,
      })
      .then((response) => definition.responseDeserialize(response));
  }
}
