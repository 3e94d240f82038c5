/** The path of the `bun` or `deno` binary installed in its example's node_modules, or an Error saying what is missing. */
export function runtimeBinary(name: "bun" | "deno"): string | Error;
/** Why `name` cannot run here, or `undefined` when its binary is installed. */
export function missingRuntime(name: "bun" | "deno" | "workerd"): Error | undefined;
