/**
 * Exercises the Express example end to end: starts the emulator (examples/payments.json; or uses
 * the one at STACK_API_URL) and examples/express/server.js on free ports, creates a user, grants it the credits pack through
 * POST /api/grant-product, spends through POST /api/consume-credits (including an overdraft that
 * must be refused, and a burst of concurrent spends that must never go below zero), then stops both.
 *
 *   node examples/express/try-it.mjs        # exits non-zero if anything is off
 */
import assert from "node:assert/strict";
import { buildPackageIfStale, createProcessGroup, freePort, fromRoot } from "../../scripts/lib/dev-processes.mjs";

const group = createProcessGroup({ log: (line) => process.env.VERBOSE === "1" && console.log(line) });
const post = async (url, body) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

try {
  await buildPackageIfStale();
  // STACK_API_URL: an emulator that is already running (with examples/payments.json); else start one.
  let emulatorUrl = process.env.STACK_API_URL;
  if (!emulatorUrl) {
    emulatorUrl = `http://127.0.0.1:${await freePort()}`;
    await group.start("emulator", process.execPath, [fromRoot("dist/cli.js"), "emulator", "--memory", "--config", fromRoot("examples/payments.json"), "--port", new URL(emulatorUrl).port], {
      readyUrl: `${emulatorUrl}/api/v1`,
    });
  }
  const port = await freePort();
  const api = `http://localhost:${port}/api`;
  await group.start("express", process.execPath, [fromRoot("examples/express/server.js")], {
    env: { PORT: String(port), STACK_API_URL: emulatorUrl },
    readyUrl: `http://localhost:${port}/`,
  });

  // A user to play with, made the way a server would (no browser needed).
  process.env.STACK_API_URL = emulatorUrl;
  const { stackServerApp } = await import("./stack/server.js");
  const user = await stackServerApp.createUser({ displayName: "Express example user" });
  console.log(`user ${user.id}`);

  let r = await post(`${api}/grant-product`, { userId: user.id, productId: "credits_pack" });
  assert.deepEqual(r, { status: 200, body: { success: true } });
  console.log("POST /api/grant-product credits_pack  →", r.status, JSON.stringify(r.body));

  r = await post(`${api}/consume-credits`, { userId: user.id, amount: 30 });
  assert.deepEqual(r, { status: 200, body: { remaining: 70 } });
  console.log("POST /api/consume-credits 30         →", r.status, JSON.stringify(r.body));

  r = await post(`${api}/consume-credits`, { userId: user.id, amount: 1000 });
  assert.deepEqual(r, { status: 400, body: { error: "Insufficient credits" } });
  console.log("POST /api/consume-credits 1000       →", r.status, JSON.stringify(r.body));

  // 10 concurrent spends of 10 against 70 credits: exactly 7 succeed, and nothing goes negative.
  const burst = await Promise.all(Array.from({ length: 10 }, () => post(`${api}/consume-credits`, { userId: user.id, amount: 10 })));
  const ok = burst.filter((b) => b.status === 200).length;
  assert.equal(ok, 7, `7 of 10 concurrent spends should succeed, ${ok} did`);
  const balance = await (await fetch(`${api}/credits/${user.id}`)).json();
  assert.equal(balance.quantity, 0);
  console.log(`10 concurrent spends of 10            → ${ok} succeeded, balance ${balance.quantity}`);

  r = await post(`${api}/consume-credits`, { userId: "00000000-0000-4000-8000-000000000000", amount: 1 });
  assert.deepEqual(r, { status: 404, body: { error: "User not found" } });
  console.log("POST /api/consume-credits unknown user →", r.status, JSON.stringify(r.body));

  console.log("\nexpress example: all checks passed");
  await group.stopAll();
} catch (error) {
  console.error(`\nexpress example check failed: ${error instanceof Error ? error.message : String(error)}`);
  console.error(group.outputOf("express").split("\n").slice(-20).join("\n"));
  await group.stopAll();
  process.exit(1);
}
