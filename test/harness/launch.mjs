#!/usr/bin/env node
// Runs a command with the Messages API stand-in reachable on the loopback interface only:
//   node launch.mjs SOCKET -- COMMAND [ARGS...]
// listens on 127.0.0.1 (a free port), forwards every connection to the stand-in's Unix socket, and
// runs COMMAND with ANTHROPIC_BASE_URL pointing at that port. Meant to run inside `unshare -n`, where
// loopback is the only interface, but works outside it too. Exits with COMMAND's status.
import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";

const [socketPath, separator, command, ...args] = process.argv.slice(2);
if (!socketPath || separator !== "--" || !command) {
  console.error("usage: node launch.mjs SOCKET -- COMMAND [ARGS...]");
  process.exit(2);
}
const forwarder = createServer((client) => {
  const upstream = connect(socketPath);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
});
forwarder.listen(0, "127.0.0.1", () => {
  const { port } = forwarder.address();
  const child = spawn(command, args, { stdio: "inherit", env: { ...process.env, ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` } });
  const stop = (signal) => child.kill(signal);
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  child.on("error", (error) => {
    console.error(`launch.mjs: could not run ${command}: ${error.message}`);
    process.exit(127);
  });
  child.on("exit", (code, signal) => {
    forwarder.close();
    process.exit(code ?? (signal ? 128 : 1));
  });
});
