#!/usr/bin/env node
const USAGE = `usage: urna-verify <command> [options]

Independent verifier for urna election records.

commands:
  election   verify a whole election record against trust material
  receipt    check one voter's ballot receipt
  watch      follow a board and check every new checkpoint (monitor)
  witness    run a C2SP tlog-witness that cosigns consistent checkpoints

options:
  -h, --help     show this help
  --version      print the version

exit codes: 0 all checks pass, 1 a check failed, 2 bad input or usage
`;

const args = process.argv.slice(2);
if (args.length === 0 || args[0] === "-h" || args[0] === "--help" || args[0] === "help") {
  process.stdout.write(USAGE);
  process.exit(args.length === 0 ? 2 : 0);
}
if (args[0] === "--version") {
  process.stdout.write("0.1.0\n");
  process.exit(0);
}
process.stderr.write(`urna-verify: unknown command '${args[0]}'\n\n${USAGE}`);
process.exit(2);
