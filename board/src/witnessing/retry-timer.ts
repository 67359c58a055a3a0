/**
 * One pending retry at a time, on an unref'd timer: a retry already scheduled is kept (not
 * pushed back), `cancel` drops it, and after `stop` nothing is scheduled any more.
 */
export class RetryTimer {
  readonly #run: () => void;
  #timer?: ReturnType<typeof setTimeout>;
  #stopped = false;

  constructor(run: () => void) {
    this.#run = run;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Runs `run` in `ms`, unless a retry is already pending or the timer is stopped. */
  schedule(ms: number): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, ms);
    this.#timer.unref();
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  stop(): void {
    this.#stopped = true;
    this.cancel();
  }
}
