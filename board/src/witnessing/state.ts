/**
 * The board's witnessing state, as the status route shows it (spec/api.md §status `witnessing`):
 * for the last checkpoint the board asked its witnesses to cosign, which of them cosigned, and
 * for each one that did not, why (its HTTP status and error, or the failure of the whole
 * request). Observers' pages name the witnesses that did not cosign from this, not from guesses.
 */
import type { CollectResult } from "./collect.js";

export interface WitnessState {
  /** The witness's name (its vkey's name). */
  name: string;
  /** Whether it cosigned the checkpoint of `size`. */
  cosigned: boolean;
  /** The largest size it is known to have cosigned, if any. */
  cosignedSize?: number;
  /** Why it did not cosign. */
  error?: string;
  /** The witness's HTTP status, when it answered with a refusal. */
  status?: number;
}

export interface WitnessingState {
  quorum: number;
  /** The checkpoint size last sent to the witnesses (0: none yet). */
  size: number;
  quorumMet: boolean;
  /** When that round ended (ISO 8601). */
  at?: string;
  witnesses: WitnessState[];
}

export class WitnessingRecord {
  #state: WitnessingState;
  readonly #cosignedSize = new Map<string, number>();

  constructor(names: readonly string[], quorum: number) {
    this.#state = {
      quorum,
      size: 0,
      quorumMet: quorum === 0,
      witnesses: names.map((name) => ({ name, cosigned: false })),
    };
  }

  /** Records a finished round for the checkpoint of `size`. */
  done(size: number, c: CollectResult): void {
    const witnesses = c.results.map((r): WitnessState => {
      if (r.ok)
        this.#cosignedSize.set(r.witness, Math.max(size, this.#cosignedSize.get(r.witness) ?? 0));
      const known = this.#cosignedSize.get(r.witness);
      return {
        name: r.witness,
        cosigned: r.ok,
        ...(known !== undefined ? { cosignedSize: known } : {}),
        ...(r.ok
          ? {}
          : { error: r.error, ...(r.status !== undefined ? { status: r.status } : {}) }),
      };
    });
    this.#state = {
      quorum: c.quorum,
      size,
      quorumMet: c.quorumMet,
      at: new Date().toISOString(),
      witnesses,
    };
  }

  /** Records a round that failed as a whole (no witness was asked, or the request broke). */
  failed(size: number, error: string): void {
    this.#state = {
      ...this.#state,
      size,
      quorumMet: this.#state.quorum === 0,
      at: new Date().toISOString(),
      witnesses: this.#state.witnesses.map((w) => {
        const known = this.#cosignedSize.get(w.name);
        return {
          name: w.name,
          cosigned: false,
          ...(known !== undefined ? { cosignedSize: known } : {}),
          error,
        };
      }),
    };
  }

  toJSON(): WitnessingState {
    return structuredClone(this.#state);
  }
}
