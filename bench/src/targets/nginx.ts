import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@gateway/test-kit/processes";
import type { Backends } from "../backends.ts";
import { answers, startChild } from "../child.ts";
import { ensureCommand } from "../debian.ts";
import { CHAT_PATH, JSON_HEADERS, type Target } from "./target.ts";

const server = (port: number, upstream: string) => `
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # Server-sent events go out as they come.
      proxy_buffering off;
    }
  }`;

/**
 * nginx as a plain reverse proxy with keep-alive upstreams: the floor of what any hop costs.
 * The reason instead when nginx is not installed and cannot be.
 */
export async function startNginx(backends: Backends): Promise<Target | string> {
  if (!ensureCommand("nginx", "nginx-light")) return "nginx: not installed";
  const dir = mkdtempSync(join(tmpdir(), "gw-bench-nginx-"));
  mkdirSync(join(dir, "temp"));
  const [fastPort, pacedPort] = [await freePort(), await freePort()];
  const upstream = (name: string, url: string) => `
  upstream ${name} {
    server ${new URL(url).host};
    keepalive 64;
  }`;
  writeFileSync(
    join(dir, "nginx.conf"),
    `daemon off;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/temp/body;
  proxy_temp_path ${dir}/temp/proxy;
  ${upstream("fast", backends.fast)}
  ${upstream("paced", backends.paced)}
  ${server(fastPort, "fast")}
  ${server(pacedPort, "paced")}
}
`,
  );
  let child;
  try {
    child = await startChild("nginx", "nginx", ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf")], {
      ready: answers(`http://127.0.0.1:${fastPort}/health`),
    });
  } catch (err) {
    return `nginx: did not start (${(err as Error).message.split("\n")[0]})`;
  }
  return {
    name: "nginx",
    fast: { url: `http://127.0.0.1:${fastPort}${CHAT_PATH}`, headers: JSON_HEADERS, model: "x" },
    paced: { url: `http://127.0.0.1:${pacedPort}${CHAT_PATH}`, headers: JSON_HEADERS, model: "x" },
    pids: [child.pid],
    stop: child.stop,
  };
}
