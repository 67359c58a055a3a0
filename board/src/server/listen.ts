/** Starting an HTTP server on a port and host, and the URL it is reachable at. */
import type { Server } from "node:http";

/**
 * Listens on `port` (0: any free port) and `host` (default 127.0.0.1), resolving with the bound
 * port and the URL clients use: a wildcard host is reached through 127.0.0.1, an IPv6 host is
 * bracketed.
 */
export function listenOn(
  server: Server,
  port: number,
  host?: string,
): Promise<{ port: number; url: string; server: Server }> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host ?? "127.0.0.1", () => {
      server.off("error", reject);
      const addr = server.address();
      const p = typeof addr === "object" && addr ? addr.port : port;
      const h = host && host !== "0.0.0.0" && host !== "::" ? host : "127.0.0.1";
      resolve({ port: p, url: `http://${h.includes(":") ? `[${h}]` : h}:${p}`, server });
    });
  });
}
