/** StackAdminApp construction: never in a browser, an admin key required, environment fallbacks; and no admin code in browser bundles. */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StackAdminApp, StackServerApp } from "../../src/server.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

/** A fetch that records requests and answers every one with an empty transactions page. */
function recordingFetch() {
  const requests: Request[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    requests.push(new Request(input, init));
    return Response.json({ transactions: [], next_cursor: null });
  };
  return { fetch, requests };
}

describe("StackAdminApp configuration", () => {
  it("refuses to be constructed where window and document exist, naming the admin key, before reading any option", () => {
    vi.stubGlobal("window", {});
    vi.stubGlobal("document", { cookie: "" });
    const { fetch, requests } = recordingFetch();
    expect(() => new StackAdminApp({ projectId: "p", secretServerKey: "ssk_x", superSecretAdminKey: "sak_x", fetch })).toThrow(
      expect.objectContaining({ code: "CONFIGURATION_ERROR", message: expect.stringContaining("super secret admin key") }),
    );
    // Even without any key or project: the browser is refused first.
    expect(() => new StackAdminApp()).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR", message: expect.stringContaining("StackAdminApp cannot be used in a browser") }));
    expect(requests).toHaveLength(0);
  });

  it("requires a super secret admin key", () => {
    vi.stubEnv("STACK_SUPER_SECRET_ADMIN_KEY", "");
    vi.stubEnv("HEXCLAVE_SUPER_SECRET_ADMIN_KEY", "");
    expect(() => new StackAdminApp({ projectId: "p", secretServerKey: "ssk_x" })).toThrow(
      expect.objectContaining({ code: "CONFIGURATION_ERROR", message: expect.stringContaining("superSecretAdminKey") }),
    );
  });

  it("takes the admin key from the environment, HEXCLAVE_ first, and the option over both", async () => {
    vi.stubEnv("STACK_SUPER_SECRET_ADMIN_KEY", "sak_stack");
    vi.stubEnv("HEXCLAVE_SUPER_SECRET_ADMIN_KEY", "sak_hexclave");
    vi.stubEnv("STACK_SECRET_SERVER_KEY", "ssk_env");
    const { fetch, requests } = recordingFetch();
    await new StackAdminApp({ projectId: "p", baseUrl: "http://env.test", fetch }).listTransactions();
    await new StackAdminApp({ projectId: "p", baseUrl: "http://env.test", fetch, superSecretAdminKey: "sak_option" }).listTransactions();
    vi.stubEnv("HEXCLAVE_SUPER_SECRET_ADMIN_KEY", "");
    await new StackAdminApp({ projectId: "p", baseUrl: "http://env.test", fetch }).listTransactions();
    expect(requests.map((r) => r.headers.get("x-stack-super-secret-admin-key"))).toEqual(["sak_hexclave", "sak_option", "sak_stack"]);
    expect(requests.map((r) => r.headers.get("x-stack-secret-server-key"))).toEqual(["ssk_env", "ssk_env", "ssk_env"]);
  });

  it("is a server app: everything StackServerApp does, with the same options", () => {
    const app = new StackAdminApp({ projectId: "p", secretServerKey: "ssk_x", superSecretAdminKey: "sak_x" });
    expect(app).toBeInstanceOf(StackServerApp);
    expect(app.kind).toBe("server");
    expect(app.projectId).toBe("p");
  });
});

describe("browser bundles", () => {
  it("`stack-payments` and `stack-payments/react` hold no admin code; an admin app's bundle does", async () => {
    const inputsOf = async (contents: string) => {
      const result = await build({
        stdin: { contents, resolveDir: root, loader: "tsx" },
        bundle: true,
        format: "esm",
        platform: "browser",
        write: false,
        metafile: true,
        logLevel: "error",
        external: ["react", "react-dom", "@tanstack/react-query", "next", "next/headers", "next/navigation"],
      });
      // What the output holds: a module the bundler reached but whose code it dropped does not count.
      const output = Object.values(result.metafile.outputs)[0]!;
      return Object.entries(output.inputs)
        .filter(([, info]) => info.bytesInOutput > 0)
        .map(([file]) => file);
    };
    const isAdmin = (file: string) => file.includes("src/core/admin/") || file.endsWith("src/apps/admin-app.ts") || /src\/react\/(use-transactions|use-project-config|use-admin-app|admin-query-options)\.ts$/.test(file);
    const client = await inputsOf(`import { StackClientApp } from "./src/index.ts"; console.log(new StackClientApp({ projectId: "p" }));`);
    const react = await inputsOf(`import { StackProvider, useUser, useItem } from "./src/react.ts"; console.log(StackProvider, useUser, useItem);`);
    expect(client.filter(isAdmin)).toEqual([]);
    expect(react.filter(isAdmin)).toEqual([]);
    const admin = await inputsOf(`import { StackAdminApp } from "./src/server.ts"; console.log(StackAdminApp);`);
    expect(admin.filter(isAdmin).length).toBeGreaterThan(0);
  });
});
