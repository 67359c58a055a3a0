/** A small argv parser for the witness and watch sub-commands (isomorphic). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string[]>;
  flags: Set<string>;
}

/** `--flag value`, `--flag=value`, repeatable value flags, boolean flags; `-h` is `--help`. */
export function parseArgs(
  argv: string[],
  valueFlags: readonly string[],
  boolFlags: readonly string[],
): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let value: string | undefined;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    if (eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (a === "-h") a = "--help";
    if (valueFlags.includes(a)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`${a} needs a value`);
      }
      out.values.set(a, [...(out.values.get(a) ?? []), value]);
    } else if (boolFlags.includes(a) || a === "--help") {
      if (value !== undefined) throw new UsageError(`${a} takes no value`);
      out.flags.add(a);
    } else if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown option ${a}`);
    else out.positional.push(a);
  }
  return out;
}

/** The single value of a flag (undefined if absent; twice is a usage error). */
export function single(p: ParsedArgs, flag: string): string | undefined {
  const v = p.values.get(flag);
  if (v && v.length > 1) throw new UsageError(`${flag} given twice`);
  return v?.[0];
}

export function integerFlag(
  p: ParsedArgs,
  flag: string,
  min: number,
  max: number,
): number | undefined {
  const v = single(p, flag);
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v)) throw new UsageError(`${flag} must be an integer`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`${flag} must be from ${min} to ${max}`);
  return n;
}
