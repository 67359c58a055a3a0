/**
 * The board's limits under hostile traffic (issue 17; README §Limits and what happens past
 * them): event streams and connections. Every limit has a default and a `urna board serve` flag.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { ApiError } from "./errors.js";
import { DEFAULT_FEED_LIMITS, type FeedLimits } from "./feed.js";

export interface ConnectionLimits {
  /** Open connections the board accepts in all (default: from the descriptor limit, see below). */
  maxConnections: number;
  /** Open connections from one client address (default: a quarter of maxConnections; see perAddressOnLoopback). */
  maxPerAddress: number;
  /**
   * Whether maxPerAddress applies to loopback clients too (default false: a reverse proxy on the
   * same host brings every client from 127.0.0.1; maxConnections still applies).
   */
  perAddressOnLoopback: boolean;
  /**
   * Open event streams in all (default: three quarters of maxConnections, so that writes and
   * reads still find a connection under a stream flood); past it `503 TOO_MANY_STREAMS`.
   */
  maxStreams: number;
  /**
   * Of those, open event streams with `?view=full` (default 32, at most maxStreams): each costs
   * the board every entry's bytes again (spec/api.md §Event stream); past it
   * `503 TOO_MANY_FULL_STREAMS`.
   */
  maxFullStreams: number;
}

/** Default cap on full-view event streams (README §Limits: why 32). */
export const DEFAULT_MAX_FULL_STREAMS = 32;

/** Token buckets per client address: a request takes one token (0 per second: no limit). */
export interface RateLimits {
  /** Writes (POST) per second and burst, per client address (default 20/s, burst 100). */
  writesPerSecond: number;
  writeBurst: number;
  /** Reads (every other request) per second and burst, per address (default 200/s, burst 1,000). */
  readsPerSecond: number;
  readBurst: number;
  /** Whether loopback clients are limited too (default false). */
  onLoopback: boolean;
}

export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = {
  writesPerSecond: 20,
  writeBurst: 100,
  readsPerSecond: 200,
  readBurst: 1000,
  onLoopback: false,
};

export interface BoardLimits {
  /** Event streams (spec/api.md §Event stream). */
  feed: FeedLimits;
  connections: ConnectionLimits;
  rate: RateLimits;
}

export interface BoardLimitOptions {
  feed?: Partial<FeedLimits>;
  connections?: Partial<ConnectionLimits>;
  rate?: Partial<RateLimits>;
}

/**
 * The soft limit on open descriptors (`ulimit -n`), read from /proc/self/limits on Linux;
 * undefined where that file does not exist or says "unlimited".
 */
export function descriptorLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Default connection cap: half of what the descriptor limit leaves after 200 descriptors kept for
 * the database's files, the workers and the process itself, between 32 and 4,096 (1,024 when the
 * limit is unknown gives 412).
 */
export function defaultMaxConnections(nofile = descriptorLimit() ?? 1024): number {
  return Math.max(32, Math.min(4096, Math.floor((nofile - 200) / 2)));
}

/** `o` without its undefined members. */
function defined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(o ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

export function resolveLimits(o: BoardLimitOptions = {}): BoardLimits {
  const c = defined(o.connections);
  const maxConnections = c.maxConnections ?? defaultMaxConnections();
  const maxStreams = c.maxStreams ?? Math.max(1, Math.floor((maxConnections * 3) / 4));
  return {
    feed: { ...DEFAULT_FEED_LIMITS, ...defined(o.feed) },
    rate: { ...DEFAULT_RATE_LIMITS, ...defined(o.rate) },
    connections: {
      maxConnections,
      maxPerAddress: c.maxPerAddress ?? Math.max(8, Math.floor(maxConnections / 4)),
      perAddressOnLoopback: c.perAddressOnLoopback ?? false,
      maxStreams,
      maxFullStreams: Math.min(maxStreams, c.maxFullStreams ?? DEFAULT_MAX_FULL_STREAMS),
    },
  };
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(addr: string | undefined): boolean {
  if (addr === undefined) return false;
  const a = addr.startsWith("::ffff:") ? addr.slice(7) : addr;
  return a === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** A refused connection that sends no request is closed after this long. */
const REFUSED_IDLE_MS = 2_000;

const BODY = (message: string): string =>
  JSON.stringify({ error: { code: "TOO_MANY_CONNECTIONS", message } });

/**
 * Counts the server's open connections, in all and per client address. A connection past either
 * cap is answered, on its first request, `503 TOO_MANY_CONNECTIONS` with `Retry-After` and
 * `Connection: close`, and closed (or closed after 2 s if it sends nothing); it is not counted.
 * While a quarter of maxConnections (at least 16) refused connections are still open, further
 * excess connections are closed at once, unanswered.
 * Returns the request filter: true when it answered the request itself.
 */
export function guardConnections(
  server: Server,
  limits: ConnectionLimits,
  rate: RateLimits = DEFAULT_RATE_LIMITS,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const writes = new TokenBuckets(rate.writesPerSecond, rate.writeBurst);
  const reads = new TokenBuckets(rate.readsPerSecond, rate.readBurst);
  const refused = new WeakMap<Socket, string>();
  const perAddress = new Map<string, number>();
  let open = 0;
  let refusing = 0;
  server.on("connection", (socket: Socket) => {
    const addr =
      !limits.perAddressOnLoopback && isLoopback(socket.remoteAddress)
        ? ""
        : (socket.remoteAddress ?? "");
    const mine = addr === "" ? 0 : (perAddress.get(addr) ?? 0);
    if (open >= limits.maxConnections || mine >= limits.maxPerAddress) {
      // Refused connections hold a descriptor until they are answered or time out: past a
      // quarter of the cap of them, a flood's further connections are dropped at once.
      if (refusing >= Math.max(16, Math.floor(limits.maxConnections / 4))) {
        socket.destroy();
        return;
      }
      refusing++;
      socket.once("close", () => refusing--);
      refused.set(
        socket,
        open >= limits.maxConnections
          ? `the board has ${open} open connections, its limit`
          : `this address has ${mine} open connections, the limit per address`,
      );
      const t = setTimeout(() => socket.destroy(), REFUSED_IDLE_MS);
      t.unref();
      socket.once("close", () => clearTimeout(t));
      return;
    }
    open++;
    if (addr !== "") perAddress.set(addr, mine + 1);
    socket.once("close", () => {
      open--;
      if (addr === "") return;
      const n = (perAddress.get(addr) ?? 1) - 1;
      if (n <= 0) perAddress.delete(addr);
      else perAddress.set(addr, n);
    });
  });
  server.on("clientError", answerClientError);
  return (req, res) => {
    const why = refused.get(req.socket);
    if (why === undefined) {
      const addr = req.socket.remoteAddress ?? "";
      if (!rate.onLoopback && isLoopback(addr)) return false;
      const write = req.method === "POST";
      const wait = (write ? writes : reads).take(addr);
      if (wait === 0) return false;
      const body = JSON.stringify({
        error: {
          code: "RATE_LIMITED",
          message: `too many ${write ? "writes" : "reads"} from this address; retry in ${Math.ceil(wait)} s`,
        },
      });
      req.resume();
      res.writeHead(429, {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": Buffer.byteLength(body),
        "Access-Control-Allow-Origin": "*",
        "Retry-After": String(Math.ceil(wait)),
      });
      res.end(body);
      return true;
    }
    const body = BODY(why);
    req.resume();
    res.writeHead(503, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
      "Access-Control-Allow-Origin": "*",
      "Retry-After": "5",
      Connection: "close",
    });
    res.end(body);
    return true;
  };
}

/**
 * Malformed HTTP framing (node:http's parser refused the request: Content-Length with
 * Transfer-Encoding, a negative length, bytes after the body that are no request, a target that
 * is not a path, headers too large) gets the API's JSON error on a raw response, and the
 * connection closes. node:http's own answer is a bare `400` with an empty body.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || !socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [
          431,
          "Request Header Fields Too Large",
          "HEADERS_TOO_LARGE",
          "the request headers are too large",
        ]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "REQUEST_TIMEOUT", "the request took too long to arrive"]
        : [
            400,
            "Bad Request",
            "BAD_REQUEST",
            `malformed HTTP request (${err.code ?? "parse error"})`,
          ];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n${body}`,
  );
  const t = setTimeout(() => socket.destroy(), 1000);
  t.unref();
  socket.once("close", () => clearTimeout(t));
}

/** Token buckets by key, refilled at `rate` per second up to `burst`; idle full buckets are dropped. */
export class TokenBuckets {
  readonly #b = new Map<string, { tokens: number; at: number }>();
  #swept = performance.now();
  constructor(
    readonly rate: number,
    readonly burst: number,
  ) {}

  /** Takes a token for `key`: 0 when there was one, else the seconds until there is. */
  take(key: string, now = performance.now()): number {
    if (!(this.rate > 0)) return 0;
    if (now - this.#swept > 60_000) this.#sweep(now);
    const b = this.#b.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    this.#b.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.rate;
  }

  #sweep(now: number): void {
    this.#swept = now;
    for (const [k, b] of this.#b)
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= this.burst) this.#b.delete(k);
  }
}

/**
 * Who may create elections, and how fast (spec/api.md §Creating elections): with authority keys,
 * only manifests signed by one of them; without, only requests from loopback addresses. Creations
 * are rate limited per client address (loopback exempt unless `onLoopback`).
 */
export class CreationGate {
  readonly #authorities: ReadonlySet<string>;
  readonly #buckets: TokenBuckets;
  constructor(
    authorities: readonly string[],
    rate: { perSecond: number; burst: number },
    readonly onLoopback = false,
  ) {
    this.#authorities = new Set(authorities);
    this.#buckets = new TokenBuckets(rate.perSecond, rate.burst);
  }

  /** Whether a list of authorities restricts creation (else: loopback only). */
  get restricted(): boolean {
    return this.#authorities.size > 0;
  }

  /** Throws ApiError CREATION_NOT_ALLOWED (403) or RATE_LIMITED (429), else returns. */
  admit(signer: string, address: string | undefined, now?: number): void {
    if (this.restricted ? !this.#authorities.has(signer) : !isLoopback(address))
      throw new ApiError(
        "CREATION_NOT_ALLOWED",
        this.restricted
          ? "this board creates elections only for the authorities it was given (--authority)"
          : "this board creates elections only from its own machine (start it with --authority KEY)",
      );
    if (!this.onLoopback && isLoopback(address)) return;
    const wait = this.#buckets.take(address ?? "", now);
    if (wait > 0)
      throw new ApiError(
        "RATE_LIMITED",
        `too many elections created from this address; retry in ${Math.ceil(wait)} s`,
      );
  }
}
