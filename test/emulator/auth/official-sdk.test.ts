// The official SDK (@stackframe/js 2.8.108) against the emulator over real HTTP: it validates
// token claims itself, refreshes through the OAuth grant and sends only x-hexclave-* headers.
import { StackClientApp, StackServerApp } from "@stackframe/js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEmulator, type RunningEmulator } from "../../../src/emulator/start-emulator.js";
import { workerStorage } from "../../fixtures/emulator-app.js";

let running: RunningEmulator;
let server: StackServerApp<true>;
const client = () =>
  new StackClientApp({
    baseUrl: running.url,
    projectId: running.emulator.project.id,
    publishableClientKey: running.emulator.project.publishableClientKey,
    tokenStore: "memory",
    noAutomaticPrefetch: true,
  });

beforeAll(async () => {
  running = await startEmulator({ port: 0, ...workerStorage() });
  server = new StackServerApp({
    baseUrl: running.url,
    projectId: running.emulator.project.id,
    publishableClientKey: running.emulator.project.publishableClientKey,
    secretServerKey: running.emulator.project.secretServerKey,
    tokenStore: "memory",
  });
});
afterAll(() => running.close());

const advance = (ms: number) =>
  fetch(`${running.url}/api/v1/internal/emulator/clock/advance`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-stack-access-type": "server",
      "x-stack-project-id": running.emulator.project.id,
      "x-stack-secret-server-key": running.emulator.project.secretServerKey,
    },
    body: JSON.stringify({ advance_millis: ms }),
  });

describe("@stackframe/js against the emulator", () => {
  test("password sign-up, sign-in, current user, refresh after expiry, sign-out", async () => {
    const app = client();
    const email = `sdk-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const up = await app.signUpWithCredential({ email, password: "sdk password 1", noRedirect: true, noVerificationCallback: true });
    expect(up.status).toBe("ok");
    const user = await app.getUser({ or: "throw" });
    expect(user.primaryEmail).toBe(email);
    const other = client();
    const inn = await other.signInWithCredential({ email, password: "sdk password 1", noRedirect: true });
    expect(inn.status).toBe("ok");
    const wrong = await client().signInWithCredential({ email, password: "nope nope", noRedirect: true });
    expect(wrong.status).toBe("error");
    // Past the 10-minute lifetime the SDK must refresh through /auth/oauth/token.
    expect((await advance(11 * 60 * 1000)).status).toBe(200);
    await user.update({ displayName: "After refresh" });
    const again = await app.getUser({ or: "throw" });
    expect(again.displayName).toBe("After refresh");
    const serverView = await server.getUser(user.id);
    expect(serverView?.displayName).toBe("After refresh");
    await again.signOut();
    expect(await app.getUser()).toBeNull();
  });

  test("anonymous users, server-created users and sessions, teams", async () => {
    const app = client();
    const anon = await app.getUser({ or: "anonymous" });
    expect(anon.isAnonymous).toBe(true);
    const created = await server.createUser({ displayName: "Made by server" });
    const session = await created.createSession({ expiresInMillis: 60 * 60 * 1000 });
    const tokens = await session.getTokens();
    expect(tokens.accessToken).toBeTruthy();
    const team = await server.createTeam({ displayName: "SDK team", creatorUserId: created.id });
    const teams = await created.listTeams();
    expect(teams.map((t) => t.id)).toEqual([team.id]);
    expect(await created.hasPermission(team, "team_admin")).toBe(true);
    expect(await created.hasPermission(team, "$update_team")).toBe(true);
    const member = await server.createUser({});
    await team.addUser(member.id);
    expect(await member.hasPermission(team, "team_admin")).toBe(false);
    expect(await member.hasPermission(team, "team_member")).toBe(true);
    expect(await server.getUser(crypto.randomUUID())).toBeNull();
  });
});
