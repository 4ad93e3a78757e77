/**
 * `useLiveConnectionState()`: how fresh values reach this page right now ("push", "polling",
 * "offline" or "idle"), e.g. to show a "live" badge or a "reconnecting…" hint.
 */
import { useEffect, useState } from "react";
import type { LiveConnectionState } from "../core/live/live-channel.js";
import { useStackContext } from "./provider.js";

/** The live channel's connection state of the provider's app; "idle" during server rendering. */
export function useLiveConnectionState(): LiveConnectionState {
  const { app, live } = useStackContext();
  const [state, setState] = useState<LiveConnectionState>("idle");
  useEffect(() => {
    if (live === false) return;
    // Loaded lazily, like the provider's bridge: the same module, so the same shared channel.
    let close: (() => void) | undefined;
    let unmounted = false;
    void import("../core/live/live-host.js").then(({ acquireLiveChannel }) => {
      if (unmounted) return;
      const { channel, release } = acquireLiveChannel(app, live);
      setState(channel.state);
      const off = channel.onStateChange(setState);
      close = () => {
        off();
        release();
      };
    });
    return () => {
      unmounted = true;
      close?.();
    };
  }, [app, live]);
  return state;
}
