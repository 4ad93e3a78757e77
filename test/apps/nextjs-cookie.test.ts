/** `tokenStore: "nextjs-cookie"` on a Next.js server: cookies from next/headers, redirects through next/navigation. */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { setupEmulator } from "../fixtures/emulator-app.js";

const jar = new Map<string, string>();
const redirects: string[] = [];
vi.mock("next/headers.js", () => ({
  cookies: async () => ({
    getAll: () => [...jar].map(([name, value]) => ({ name, value })),
    set: (name: string, value: string) => jar.set(name, value),
    delete: (name: string) => jar.delete(name),
  }),
}));
vi.mock("next/navigation.js", () => ({
  redirect: (url: string) => {
    redirects.push(url);
    throw Object.assign(new Error("NEXT_REDIRECT"), { digest: `NEXT_REDIRECT;replace;${url}` });
  },
}));

const env = setupEmulator();
beforeAll(() => env.emulator.ready);
afterAll(() => env.emulator.close());

describe("nextjs-cookie", () => {
  it("redirects to sign-in with Next's redirect when nobody is signed in", async () => {
    const app = env.serverApp("nextjs-cookie");
    await expect(app.getUser({ or: "redirect" })).rejects.toThrow("NEXT_REDIRECT");
    expect(redirects).toEqual(["/handler/sign-in"]);
  });

  it("reads the official SDK's cookies from next/headers and refreshes into them", async () => {
    const server = env.serverApp();
    const created = await server.createUser({ displayName: "Next user" });
    const { refreshToken } = await (await created.createSession()).getTokens();
    jar.set(`hexclave-refresh-${env.emulator.project.id}--default`, encodeURIComponent(JSON.stringify({ refresh_token: refreshToken, updated_at_millis: 1 })));
    const app = env.serverApp("nextjs-cookie");
    const user = await app.getUser({ or: "redirect" });
    expect(user.id).toBe(created.id);
    // The refreshed access token was written back in the official format.
    expect(JSON.parse(jar.get("hexclave-access")!)).toEqual([refreshToken, expect.stringMatching(/^ey/)]);
  });
});
