// @vitest-environment node
import { QueryClient } from "@tanstack/react-query";
import { Suspense } from "react";
import { renderToString } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackClientApp } from "../../src/apps/client-app.js";
import type { Emulator } from "../../src/emulator/create-emulator.js";
import { StackProvider, useItem, useLiveConnectionState, useUser } from "../../src/react.js";
import { BASE_URL, countingFetch, startEmulator } from "./setup.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe("hooks during server rendering (no browser)", () => {
  it("render the Suspense fallback for data not in the cache, and send no request", () => {
    const { fetch, requests } = countingFetch(emulator);
    const app = new StackClientApp({ baseUrl: BASE_URL, projectId: emulator.project.id, fetch });
    function Widget() {
      const user = useUser({ or: "redirect" });
      return <p>{user.useItem("credits").quantity}</p>;
    }
    function Other() {
      const item = useItem({ itemId: "credits", userId: "u", suspense: false });
      const state = useLiveConnectionState();
      return <p id="other">{`${item.status}/${state}`}</p>;
    }
    const html = renderToString(
      <StackProvider app={app} queryClient={new QueryClient()}>
        <Suspense fallback={<p id="fallback">loading</p>}>
          <Widget />
        </Suspense>
        <Other />
      </StackProvider>,
    );
    expect(html).toContain("loading");
    expect(html).toContain("pending/idle");
    expect(requests).toEqual([]);
  });
});
