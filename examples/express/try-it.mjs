/**
 * Exercises the Express example end to end: starts the emulator (examples/payments.json; or uses
 * the one at STACK_API_URL) and examples/express/server.js on free ports, reads the route list at
 * GET /, creates a user with the command it gives, grants it the credits pack through
 * POST /api/grant-product, spends through POST /api/consume-credits (including an overdraft that
 * must be refused, and a burst of concurrent spends that must never go below zero), checks that
 * bad input (a negative, non-numeric or missing amount, no user id, a body that is not JSON) is
 * answered with 400 and a message and changes nothing, then stops both.
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

  // GET / lists the routes and says how to get a user id: follow it, as a reader of the README would.
  const index = await (await fetch(`http://localhost:${port}/`)).json();
  const listed = index.routes.map((route) => `${route.method} ${route.path}`);
  for (const route of ["POST /api/grant-product", "POST /api/consume-credits", "GET /api/credits/:userId"]) {
    assert.ok(listed.includes(route), `GET / should list ${route}, lists ${listed.join(", ")}`);
  }
  const hint = index.userIds.command;
  const [, createUrl] = hint.match(/-X POST (\S+)/);
  const headers = Object.fromEntries([...hint.matchAll(/-H '([^:]+): ([^']+)'/g)].map(([, name, value]) => [name, value]));
  const created = await fetch(createUrl, { method: "POST", headers, body: hint.match(/-d '([^']*)'/)[1] });
  assert.ok(created.ok, `the user-creation command of GET / should create a user, got ${created.status}`);
  const user = await created.json();
  assert.match(user.id, /^[0-9a-f-]{36}$/);
  console.log(`GET / → ${listed.length} routes; its curl line created user ${user.id}`);

  const icon = await fetch(`http://localhost:${port}/favicon.ico`);
  assert.equal(icon.status, 200, "a browser's request for /favicon.ico should find an icon");
  assert.match(icon.headers.get("content-type") ?? "", /^image\//);

  let r = await post(`${api}/grant-product`, { userId: user.id, productId: "credits_pack" });
  assert.deepEqual(r, { status: 200, body: { success: true } });
  console.log("POST /api/grant-product credits_pack  →", r.status, JSON.stringify(r.body));

  // Bad input: 400 with a message naming the problem, and the balance untouched.
  const badInput = [
    [{ userId: user.id, amount: -50 }, /amount must be positive, got -50/],
    [{ userId: user.id, amount: "ten" }, /amount must be a number, got "ten"/],
    [{ userId: user.id }, /amount is required/],
    [{ userId: user.id, amount: 2.5 }, /amount must be a whole number/],
    [{ amount: 10 }, /userId is required/],
    [{ userId: "not-a-user-id", amount: 10 }, /userId must be a user id/],
  ];
  for (const [body, message] of badInput) {
    r = await post(`${api}/consume-credits`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} should be answered with 400, got ${r.status} ${JSON.stringify(r.body)}`);
    assert.match(r.body.error, message);
    const shown = JSON.stringify({ ...body, ...(body.userId === user.id ? { userId: "<user id>" } : {}) });
    console.log(`POST /api/consume-credits ${shown} →`, r.status, JSON.stringify(r.body));
  }
  const notJson = await fetch(`${api}/consume-credits`, { method: "POST", headers: { "content-type": "application/json" }, body: "{amount: 5" });
  assert.equal(notJson.status, 400);
  assert.match((await notJson.json()).error, /not valid JSON/);
  r = await post(`${api}/grant-product`, { userId: user.id, productId: "no_such_product" });
  assert.equal(r.status, 400, `an unknown product should be answered with 400, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.match(r.body.error, /no_such_product/);
  console.log("POST /api/grant-product no_such_product →", r.status, JSON.stringify(r.body));
  assert.deepEqual(await (await fetch(`${api}/credits/${user.id}`)).json(), { quantity: 100, nonNegativeQuantity: 100 }, "bad input must change nothing");

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
