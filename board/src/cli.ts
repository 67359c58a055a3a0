#!/usr/bin/env node
const USAGE = `usage: urna <command> [options]

urna bulletin board and election actors.

commands:
  board serve   run the bulletin board
  authority     create an election, open and close voting, post tally and result
  registrar     generate voter credentials and publish the public ones
  custodian     take part in the key ceremony and post a decryption share
  voter         cast or challenge a ballot and save the receipt

options:
  -h, --help     show this help
  --version      print the version
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
process.stderr.write(`urna: unknown command '${args[0]}'\n\n${USAGE}`);
process.exit(2);
