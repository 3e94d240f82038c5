// One server in its own process: node http-server.js <entry> <bare|adapter>
import { SECRET } from "./fixtures.js";
import { httpEntries } from "./http-entries.js";

const [name, which] = process.argv.slice(2);
const entry = httpEntries.find((e) => e.name === name);
if (entry === undefined || (which !== "bare" && which !== "adapter"))
  throw new Error(`unknown server ${name} ${which}`);

// Stops by itself even if the parent dies without telling it.
const deadline = setTimeout(() => process.exit(0), 120_000);
deadline.unref();
process.on("disconnect", () => process.exit(0));

const server = await entry[which]({ secret: SECRET });
process.on("message", async (message) => {
  // The bench reads this process's CPU time around each load segment: CPU per request does not
  // depend on how much of the machine other processes take, unlike requests/s.
  if (message === "cpu") process.send({ cpu: process.cpuUsage() });
  if (message === "close") {
    await Promise.race([server.close(), new Promise((done) => setTimeout(done, 1000))]);
    process.exit(0);
  }
});
process.send({ port: server.port });
