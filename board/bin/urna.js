#!/usr/bin/env node
// The board signs one checkpoint per election per commit in libuv's thread pool, next to the
// database's fsyncs; 4 threads (the default) queue them (spec/log.md §4). The pool starts on
// first use, so the size is set before anything is loaded. An explicit setting wins.
process.env.UV_THREADPOOL_SIZE ??= "16";
await import("../dist/cli.js");
