// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { createBrowserEnvironment } from "../../../src/core/live/polling.js";

function setVisibility(state: "visible" | "hidden") {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}

describe("createBrowserEnvironment", () => {
  it("wakes on focus, on `online` and when the tab is shown; sleeps on `offline` and when hidden", () => {
    const env = createBrowserEnvironment();
    const events: string[] = [];
    const offWake = env.on("wake", () => events.push("wake"));
    const offSleep = env.on("sleep", () => events.push("sleep"));
    window.dispatchEvent(new Event("focus"));
    window.dispatchEvent(new Event("offline"));
    window.dispatchEvent(new Event("online"));
    setVisibility("hidden");
    expect(env.isHidden()).toBe(true);
    setVisibility("visible");
    expect(env.isHidden()).toBe(false);
    expect(events).toEqual(["wake", "sleep", "wake", "sleep", "wake"]);
    offWake();
    offSleep();
    window.dispatchEvent(new Event("focus"));
    expect(events).toHaveLength(5);
  });

  it("reads navigator.onLine", () => {
    const env = createBrowserEnvironment();
    Object.defineProperty(navigator, "onLine", { value: false, configurable: true });
    expect(env.isOnline()).toBe(false);
    Object.defineProperty(navigator, "onLine", { value: true, configurable: true });
    expect(env.isOnline()).toBe(true);
  });
});
