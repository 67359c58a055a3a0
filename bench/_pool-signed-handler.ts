// Worker module of bench/pool.ts: one signed message per task, as the board's pool would post on piscina.
import { verifySignedMessage } from "../board/src/server/crypto-work.js";
import type { PoolFinding, SignedMessage } from "../board/src/server/worker-pool.js";

export default function handle(s: SignedMessage): PoolFinding[] {
  return verifySignedMessage(s);
}
