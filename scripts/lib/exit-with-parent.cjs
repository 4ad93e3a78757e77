/**
 * Preloaded (`node --require`) into every long-running child of the dev scripts, so that a child
 * never outlives the script that started it, whatever happened to that script (kill -9 included).
 *
 * The parent passes one end of a pipe as the child's file descriptor named by
 * STACK_PAYMENTS_PARENT_FD and never writes to it. The kernel closes the parent's end when the
 * parent exits for any reason, so the child reads end-of-file at that moment and stops itself: first
 * with SIGTERM, so its own handler can close servers and release the data folder's lock, then for
 * good if that handler has not finished within a few seconds.
 *
 * A hang-up (the terminal closed) stops the child the same graceful way instead of killing it
 * mid-write, which is Node's default for SIGHUP.
 */
"use strict";

const net = require("node:net");

const GRACE_MS = 5_000;
const fd = Number(process.env.STACK_PAYMENTS_PARENT_FD);
// Only this process watches the pipe: processes it starts itself are its own business.
delete process.env.STACK_PAYMENTS_PARENT_FD;

let stopping = false;
function stopSelf() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.kill(process.pid, "SIGKILL"), GRACE_MS).unref();
  // With no SIGTERM handler of its own, this ends the process at once (Node's default).
  process.kill(process.pid, "SIGTERM");
}

if (Number.isInteger(fd) && fd > 2) {
  try {
    const pipe = new net.Socket({ fd, readable: true, writable: false });
    // Data never comes; the read only waits for the parent's end to close.
    pipe.on("data", () => {});
    pipe.on("end", stopSelf);
    pipe.on("close", stopSelf);
    pipe.on("error", stopSelf);
    // The pipe alone must not keep a child alive whose work is done.
    pipe.unref();
  } catch {
    // Not a pipe (started by hand with a stray variable): nothing to watch.
  }
}

process.on("SIGHUP", stopSelf);
