import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { StackClientApp } from "stack-payments";
import { StackProvider } from "stack-payments/react";
import { App } from "./app.js";
import "./styles.css";

/** What `server.mjs` tells the page: which project and API to talk to (emulator or hosted). */
interface ExampleConfig {
  projectId: string;
  publishableClientKey: string;
  apiUrl: string;
}

// The config comes from the example's server at run time, so one build works against the emulator
// on any port and against the hosted API.
const config = (await (await fetch("/api/config")).json()) as ExampleConfig;

const stackApp = new StackClientApp({
  projectId: config.projectId,
  publishableClientKey: config.publishableClientKey,
  baseUrl: config.apiUrl,
  // Cookies keep the session across the round trip to the checkout page.
  tokenStore: "cookie",
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <StackProvider app={stackApp}>
      <App app={stackApp} />
    </StackProvider>
  </StrictMode>,
);
