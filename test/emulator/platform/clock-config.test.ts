import { afterAll, describe, expect, test } from "vitest";
import { createProjectEmulator } from "../../../src/testing.js";
import { getProjectConfig, isTrustedReturnUrl, mergeConfigOverride, renderProjectConfig } from "../../../src/emulator/project-config.js";
import { emulatorNow } from "../../../src/emulator/clock.js";
import { createApi } from "./api.js";

let fakeNow = Date.UTC(2030, 0, 1);
const emulator = createProjectEmulator({
  clock: { now: () => fakeNow },
  config: { items: { credits: { displayName: "Credits", customerType: "user" } }, offers: { legacy: { customerType: "user", prices: "include-by-default" } } } as never,
});
const { call, updateConfig, project } = createApi(emulator);
afterAll(() => emulator.close());

describe("test clock", () => {
  test("GET and advance (server or admin) move the emulator time, which is real time plus an offset", async () => {
    const start = await call("GET", "/internal/emulator/clock", { access: "server" });
    expect(start.json).toEqual({ now_millis: fakeNow });
    const advanced = await call("POST", "/internal/emulator/clock/advance", { access: "admin", body: { advance_millis: 86_400_000 } });
    expect(advanced.json).toEqual({ now_millis: fakeNow + 86_400_000 });
    fakeNow += 1000;
    expect((await call("GET", "/internal/emulator/clock", { access: "server" })).json.now_millis).toBe(fakeNow + 86_400_000);
    expect(await emulatorNow(emulator.db, project.id, () => fakeNow)).toBe(fakeNow + 86_400_000);
  });

  test("bad advances are schema errors and change nothing; clients may not move time", async () => {
    const before = (await call("GET", "/internal/emulator/clock", { access: "server" })).json.now_millis;
    for (const advance_millis of [0, -5, 1.5, "10"]) {
      const res = await call("POST", "/internal/emulator/clock/advance", { access: "server", body: { advance_millis } });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe("SCHEMA_ERROR");
      expect(res.json.details.message).toContain("body.advance_millis");
    }
    expect((await call("POST", "/internal/emulator/clock/advance", { access: "server", body: {} })).json.details.message).toContain("body.advance_millis must be defined");
    expect((await call("POST", "/internal/emulator/clock/advance", { access: "client", body: { advance_millis: 1 } })).json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
    expect((await call("GET", "/internal/emulator/clock", { access: "server" })).json.now_millis).toBe(before);
  });
});

describe("config", () => {
  test("the config file is the base: test mode on, legacy names migrated", async () => {
    const config = await getProjectConfig(emulator.db, project.id);
    expect(config.payments.testMode).toBe(true);
    expect(config.payments.items).toEqual({ credits: { displayName: "Credits", customerType: "user" } });
    expect(config.payments.products?.legacy).toEqual({ customerType: "user", prices: "include-by-default" });
    expect("offers" in config.payments).toBe(false);
    expect(config.domains.allowLocalhost).toBe(true);
    expect(config.rbac.defaultPermissions.teamCreator).toEqual({ team_admin: true });
  });

  test("PATCH merge rule: a key replaces itself and its dotted children; nested objects replace subtrees", async () => {
    await updateConfig({ "payments.items.gems": { customerType: "team" }, "payments.items.gems.displayName": "Gems" });
    let config = await getProjectConfig(emulator.db, project.id);
    expect(config.payments.items?.gems).toEqual({ customerType: "team", displayName: "Gems" });
    expect(config.payments.items?.credits).toBeDefined();
    // Replacing "payments.items.gems" drops the stored "payments.items.gems.displayName".
    await updateConfig({ "payments.items.gems": { customerType: "custom" } });
    config = await getProjectConfig(emulator.db, project.id);
    expect(config.payments.items?.gems).toEqual({ customerType: "custom" });
    const stored = await call("GET", "/internal/config/override/environment", { access: "admin" });
    expect(JSON.parse(stored.json.config_string)).toEqual({ "payments.items.gems": { customerType: "custom" } });
    expect(mergeConfigOverride({ a: 1, "a.b": 2, ab: 3 }, { a: { c: 1 } })).toEqual({ ab: 3, a: { c: 1 } });
  });

  test("bad overrides are 400 text and change nothing", async () => {
    const before = (await call("GET", "/internal/config/override/environment", { access: "admin" })).json.config_string;
    const patch = (s: string) => call("PATCH", "/internal/config/override/environment", { access: "admin", body: { config_override_string: s } });
    const invalidJson = await patch("{nope");
    expect(invalidJson.status).toBe(400);
    expect(invalidJson.text).toBe("Invalid config JSON");
    const badItem = await patch(JSON.stringify({ "payments.items.x": { customerType: "alien" } }));
    expect(badItem.status).toBe(400);
    expect(badItem.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(badItem.text).toContain("payments.items.x.customerType");
    const badLine = await patch(JSON.stringify({ "payments.products.p": { customerType: "user", productLineId: "missing", prices: "include-by-default" } }));
    expect(badLine.status).toBe(400);
    expect(badLine.text).toContain('unknown product line "missing"');
    expect((await call("GET", "/internal/config/override/environment", { access: "admin" })).json.config_string).toBe(before);
    const wrongLevel = await call("PATCH", "/internal/config/override/galaxy", { access: "admin", body: { config_override_string: "{}" } });
    expect(wrongLevel.json.code).toBe("SCHEMA_ERROR");
  });

  test("server keys may only manage the branch level; clients none", async () => {
    const res = await call("PATCH", "/internal/config/override/environment", { access: "server", body: { config_override_string: "{}" } });
    expect(res.status).toBe(403);
    expect(res.text).toBe("Server access can only manage branch config overrides.");
    const branch = await call("PATCH", "/internal/config/override/branch", { access: "server", body: { config_override_string: JSON.stringify({ "payments.blockNewPurchases": true }) } });
    expect(branch.json).toEqual({ success: true });
    expect((await getProjectConfig(emulator.db, project.id)).payments.blockNewPurchases).toBe(true);
    // environment beats branch
    await updateConfig({ "payments.blockNewPurchases": false });
    expect((await getProjectConfig(emulator.db, project.id)).payments.blockNewPurchases).toBe(false);
    expect((await call("PATCH", "/internal/config/override/branch", { access: "client", body: { config_override_string: "{}" } })).json.code).toBe("INSUFFICIENT_ACCESS_TYPE");
  });

  test("GET /projects/current reflects config, including allow_localhost", async () => {
    await updateConfig({ "teams.allowClientTeamCreation": true, "domains.trustedDomains.main": { baseUrl: "https://app.example.com", handlerPath: "/handler" } });
    const res = await call("GET", "/projects/current");
    expect(res.json).toEqual({
      id: project.id,
      display_name: project.displayName,
      config: {
        sign_up_enabled: true,
        credential_enabled: true,
        magic_link_enabled: false,
        passkey_enabled: false,
        client_team_creation_enabled: true,
        client_user_deletion_enabled: false,
        allow_user_api_keys: false,
        allow_team_api_keys: false,
        enabled_oauth_providers: [],
        domains: [{ domain: "https://app.example.com", handler_path: "/handler" }],
        allow_localhost: true,
      },
    });
  });

  test("trusted return URLs: localhost by default, configured domains and wildcards", () => {
    const config = renderProjectConfig({
      environment: { "domains.trustedDomains.a": { baseUrl: "https://app.example.com" }, "domains.trustedDomains.b": { baseUrl: "https://**.shop.example" } },
    });
    expect(isTrustedReturnUrl(config, "http://localhost:3000/after")).toBe(true);
    expect(isTrustedReturnUrl(config, "http://127.0.0.1:5173/")).toBe(true);
    expect(isTrustedReturnUrl(config, "https://app.example.com/x?y=1")).toBe(true);
    expect(isTrustedReturnUrl(config, "http://app.example.com/x")).toBe(false);
    expect(isTrustedReturnUrl(config, "https://a.b.shop.example/")).toBe(true);
    expect(isTrustedReturnUrl(config, "https://evil.com/")).toBe(false);
    expect(isTrustedReturnUrl(config, "javascript:alert(1)")).toBe(false);
    const noLocal = renderProjectConfig({ environment: { "domains.allowLocalhost": false } });
    expect(isTrustedReturnUrl(noLocal, "http://localhost:3000/")).toBe(false);
  });
});
