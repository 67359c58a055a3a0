/**
 * Progress of a long CLI step on stderr (stdout stays for results): the step's latest state at
 * most every `everyMs` (2 s), and, when nothing new was said for `quietMs` (3 s), a heartbeat
 * line with the time so far, so a running command never sits silent for more than a few seconds.
 */
export interface StepProgress {
  /** The step's latest state (printed now if the last line is older than `everyMs`). */
  update(message: string): void;
  /** The step is over: no more lines. */
  stop(): void;
}

export function stepProgress(
  step: string,
  opts: { write?: (line: string) => void; everyMs?: number; quietMs?: number } = {},
): StepProgress {
  const write = opts.write ?? ((line: string) => void process.stderr.write(line + "\n"));
  const everyMs = opts.everyMs ?? 2000;
  const quietMs = opts.quietMs ?? 3000;
  const t0 = Date.now();
  let last = t0;
  let state = "";
  const say = (line: string) => {
    last = Date.now();
    write(line);
  };
  const timer = setInterval(
    () => {
      if (Date.now() - last < quietMs) return;
      const secs = Math.round((Date.now() - t0) / 1000);
      say(`${step}: still working (${secs} s${state ? `; ${state}` : ""})`);
    },
    Math.min(1000, quietMs),
  );
  timer.unref();
  return {
    update(message) {
      state = message;
      if (Date.now() - last >= everyMs) say(`${step}: ${message}`);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
