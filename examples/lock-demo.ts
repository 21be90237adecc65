// Locking an instrument: two proxies, one lock; custom tokens; force unlock; unlocking from another context
// (tutorial: "Locking an instrument").
// Run: npx tsx examples/lock-demo.ts
import * as qmi from "qmi-ts";
import { NoisySineGenerator } from "qmi-ts/drivers/dummy/noisy-sine-generator";
import { NoisySineGeneratorProxy } from "qmi-ts/generated/drivers/dummy/noisy-sine-generator";

const show = (what: string, value: unknown) => console.log(`${what.padEnd(58)} -> ${String(value)}`);

const context = await qmi.start("lock_demo", { config: null });
console.log(`${await qmi.makeInstrument("nsg", NoisySineGenerator)}`);

const nsg1 = await qmi.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
const nsg2 = await qmi.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
await nsg1.open(); // one instrument: opening it again through nsg2 would be an error

show("nsg1.lock()", await nsg1.lock());
show("nsg1.isLocked()", await nsg1.isLocked());
show("nsg2.isLocked()", await nsg2.isLocked());
show("nsg1.getSample()", await nsg1.getSample());
try {
  await nsg2.getSample();
} catch (error) {
  show("nsg2.getSample()", `${(error as Error).name}: ${(error as Error).message}`);
}
show("nsg1.unlock()", await nsg1.unlock());
show("nsg1.getSample()", await nsg1.getSample());
show("nsg2.getSample()", await nsg2.getSample());

show('nsg1.lock({ lockToken: "youcanunlocktoo" })', await nsg1.lock({ lockToken: "youcanunlocktoo" }));
show("nsg2.unlock()  (a warning is logged)", await nsg2.unlock());
show('nsg2.unlock({ lockToken: "youcanunlocktoo" })', await nsg2.unlock({ lockToken: "youcanunlocktoo" }));

await nsg1.lock();
await nsg2.forceUnlock();
show("nsg2.forceUnlock(); nsg2.isLocked()  (a warning is logged)", await nsg2.isLocked());

// From another context (in the tutorial, another terminal): name the context and the token of the lock.
show('nsg1.lock({ lockToken: "youcanunlocktoo" })', await nsg1.lock({ lockToken: "youcanunlocktoo" }));
const client = await qmi.Context.start("client", { config: null });
await client.connectToPeer("lock_demo", { address: context.address });
const nsg3 = await client.getInstrument("lock_demo.nsg", NoisySineGeneratorProxy);
show('nsg3.unlock({ contextName: "lock_demo", lockToken: ... })', await nsg3.unlock({ contextName: "lock_demo", lockToken: "youcanunlocktoo" }));
await client.stop();

await nsg1.close();
await qmi.stop();
