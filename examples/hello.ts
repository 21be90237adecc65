// Hello QMI! Starts a context, shows it, and stops it (tutorial: "Hello QMI!").
// Run: npx tsx examples/hello.ts
import * as qmi from "qmi-ts";

await qmi.start("hello_world", { config: null }); // null: no configuration file
console.log(`${qmi.context()}`); // Context(name='hello_world')
console.log(`serving on ${qmi.context().address}`);
await qmi.stop();
