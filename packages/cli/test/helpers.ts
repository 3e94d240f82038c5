import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const children = new Set<ChildProcess>();
const servers = new Set<Server>();

function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  delete env.FORCE_COLOR;
  if (!("TASKHOOK_SECRET" in extra)) delete env.TASKHOOK_SECRET;
  return env;
}

/** Runs `taskhook ...args` to the end, as a user would from a shell. */
export function run(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const child = spawn(process.execPath, [cli, ...args], { env: environment(options.env ?? {}) });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? "");
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on("close", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `taskhook listen --port 0 ...args` and waits until it prints its address. */
export async function startListen(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, "listen", "--port", "0", ...args], { env: environment(env) });
  children.add(child);
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buffered = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1] as string);
    });
    exited.then(() => reject(new Error(`listen exited: ${stderr}`)));
  });
  return {
    url,
    lines,
    /** Everything printed on stderr so far. */
    stderr: () => stderr,
    /** Resolves with the first match of `pattern` in stderr, once printed. */
    async stderrMatch(pattern: RegExp): Promise<RegExpExecArray> {
      for (let waited = 0; ; waited += 10) {
        const match = pattern.exec(stderr);
        if (match) return match;
        if (waited > 5000) throw new Error(`stderr never matched ${pattern}: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    /** Resolves with stdout line `index` (0-based) once it is printed. */
    async line(index: number): Promise<string> {
      while (lines.length <= index) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no line ${index}; stdout: ${lines.join("\n")}`)), 5000);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return lines[index] as string;
    },
    async json(index: number): Promise<Record<string, unknown>> {
      return JSON.parse(await this.line(index)) as Record<string, unknown>;
    },
    async stop(): Promise<number | null> {
      child.kill("SIGTERM");
      const code = await exited;
      children.delete(child);
      return code;
    },
  };
}

/** A plain node:http server on 127.0.0.1 that records raw requests. */
export async function startTarget(answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const received: Array<{ rawHeaders: string[]; body: Buffer }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      received.push({ rawHeaders: req.rawHeaders, body });
      answer(req, res, body);
    });
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, port, received, server };
}

/** Ends every process and server a test left running. */
export async function cleanup() {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  servers.clear();
}
