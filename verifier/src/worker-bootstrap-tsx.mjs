// A thread pool's worker module when the project runs from TypeScript source (vitest,
// `node --import tsx`): registers tsx's ESM hooks in this worker thread, then re-exports the
// handler of the TypeScript module that workerData names (thread-pool-node.ts, workerModule).
import { workerData } from "node:worker_threads";

const { tsx, module } = workerData.urnaWorker;
(await import(tsx)).register();
const handler = (await import(module)).default;
export default handler;
