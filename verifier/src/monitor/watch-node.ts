/** `watch` (Node): the monitor with its state in a folder (spec/witness.md §3). */
import { FileMonitorStore } from "./store-node.js";
import { type RunMonitorOptions, type WatchResult, runMonitor } from "./monitor.js";

export interface WatchOptions extends RunMonitorOptions {
  /** State folder (head, snapshot, alert evidence); without it the monitor keeps nothing. */
  stateDir?: string;
}

export function watch(opts: WatchOptions): Promise<WatchResult> {
  const { stateDir, ...rest } = opts;
  return runMonitor(
    stateDir !== undefined && !rest.store
      ? { ...rest, store: new FileMonitorStore(stateDir) }
      : rest,
  );
}
