/** `urna-verify conformance`: runs a verifier over a conformance corpus (run-node.ts). */
import { escapeDisplay } from "../report/escape.js";
import { commandVerifier, ownVerifier, runConformance } from "./run-node.js";
import { CorpusError } from "./corpus.js";

export const CONFORMANCE_USAGE = `usage: urna-verify conformance DIR [--verifier CMD] [--json] [--quiet]

Runs a verifier over every case of a conformance corpus (conformance/README.md) and compares
its verdicts with DIR/cases.json: the checks (or receipt steps) that fail, exactly, and the
items each failure must name.

  DIR             the corpus folder (cases.json and one folder per case)
  --verifier CMD  the verifier to test, run through the shell for each case as
                    CMD election --record CASE --trust CASE/trust.json --json
                    CMD receipt CASE/receipt.json --record CASE --trust CASE/trust.json --json
                  printing the JSON report or receipt outcome and exiting 0, 1 or 3 (not
                  finished); exit 2 means it refused the trust file (expected as TRUST). Default: urna-verify's own checks, in process.
  --json          print every case's agreement as JSON on stdout
  --quiet         no per-case lines on stderr

exit codes: 0 every case agrees, 1 a case disagrees, 2 bad input or usage
`;

export async function runConformanceCli(args: string[]): Promise<number> {
  let dir: string | undefined;
  let cmd: string | undefined;
  let json = false;
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-h" || a === "--help") {
      process.stdout.write(CONFORMANCE_USAGE);
      return 0;
    } else if (a === "--json") json = true;
    else if (a === "--quiet") quiet = true;
    else if (a === "--verifier" || a.startsWith("--verifier=")) {
      cmd = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[++i];
      if (!cmd) return usage("--verifier needs a command");
    } else if (a.startsWith("-")) return usage(`unknown option ${a}`);
    else if (dir === undefined) dir = a;
    else return usage(`unexpected argument ${a}`);
  }
  if (dir === undefined) return usage("give the corpus folder DIR");
  let results;
  try {
    results = await runConformance(dir, cmd ? commandVerifier(cmd) : ownVerifier, (a) => {
      if (quiet) return;
      const why = a.error
        ? `: ${a.error}`
        : a.agree
          ? ""
          : `: expected [${a.expected.join(",")}], got [${a.got.join(",")}]` +
            (a.missing.length ? `; items not named: ${JSON.stringify(a.missing)}` : "");
      process.stderr.write(`${a.agree ? "agree   " : "DISAGREE"} ${a.id}${escapeDisplay(why)}\n`);
    });
  } catch (e) {
    if (e instanceof CorpusError || (e as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write(`urna-verify conformance: ${escapeDisplay((e as Error).message)}\n`);
      return 2;
    }
    throw e;
  }
  const agree = results.filter((a) => a.agree).length;
  if (json) process.stdout.write(JSON.stringify({ agree, cases: results }, null, 2) + "\n");
  else process.stdout.write(`${agree} of ${results.length} cases agree\n`);
  return agree === results.length ? 0 : 1;
}

function usage(message: string): number {
  process.stderr.write(
    `urna-verify conformance: ${message}\n(see urna-verify conformance --help)\n`,
  );
  return 2;
}
