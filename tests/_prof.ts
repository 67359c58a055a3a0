import { generateElection } from "/work/main/tests/fixtures/election.ts";
let t = Date.now();
let last = t;
const g = await generateElection({ voters: 12, onProgress: (d, n) => { const now = Date.now(); console.log(d, n, now - last); last = now; } });
console.log("total", Date.now() - t);
