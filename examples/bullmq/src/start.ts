// `pnpm start`: the receiver and one worker side by side, their output on this terminal.
// In production run them as separate services (`pnpm receiver`, `pnpm worker`).
import { type ChildProcess, spawn } from "node:child_process";

const run = (file: string): ChildProcess =>
  spawn(process.execPath, ["--import", "tsx", new URL(file, import.meta.url).pathname], { stdio: "inherit" });

const children = [run("./worker.ts"), run("./receiver.ts")];
const stop = () => {
  for (const child of children) child.kill("SIGTERM");
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
for (const child of children) {
  child.once("exit", (code) => {
    if (code !== 0 && code !== null) {
      stop();
      process.exitCode = code;
    }
  });
}
