// Fault injection for the worker pool's tests (test/cli/lint.test.ts), preloaded
// into the CLI and, through NODE_OPTIONS, into its worker threads:
//   COPYSCOPE_TEST_FAULT=worker-start  every worker thread throws as it starts;
//   COPYSCOPE_TEST_FAULT=worker-job    a worker thread exits (code 7) when it opens a C file;
//   COPYSCOPE_TEST_FAULT=main-parser   the main thread cannot instantiate the parser;
//   COPYSCOPE_TEST_FAULT=main-slow     the main thread takes 100 ms to open each C file
//                                      (so that the workers surely get files of their own).
// Several faults: separated by commas. With COPYSCOPE_TEST_FAULT_LOG set, each
// worker thread appends a line to that file as it starts.
const fs = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const faults = new Set((process.env.COPYSCOPE_TEST_FAULT ?? '').split(','));
const isC = (path) => typeof path === 'string' && /\.[ch]$/.test(path);
// Sources are opened by path and then read from the descriptor (host/sourceFiles.ts): the open is the hook.
const open = fs.openSync;

if (!isMainThread && process.env.COPYSCOPE_TEST_FAULT_LOG) fs.appendFileSync(process.env.COPYSCOPE_TEST_FAULT_LOG, 'worker started\n');
if (!isMainThread && faults.has('worker-start')) throw new Error('injected: worker cannot start');
if (!isMainThread && faults.has('worker-job')) {
  fs.openSync = function openOrExit(path, ...rest) {
    if (isC(path)) process.exit(7);
    return open.call(this, path, ...rest);
  };
}
if (isMainThread && faults.has('main-slow')) {
  fs.openSync = function openSlowly(path, ...rest) {
    if (isC(path)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    return open.call(this, path, ...rest);
  };
}
if (isMainThread && faults.has('main-parser')) {
  // Whichever way the runtime is instantiated, it fails.
  const failure = () => new Error('injected: no parser on the main thread');
  WebAssembly.instantiate = () => Promise.reject(failure());
  WebAssembly.Instance = function failingInstance() {
    throw failure();
  };
}
