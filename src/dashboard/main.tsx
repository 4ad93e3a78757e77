/**
 * The dashboard's entry: reads the config the emulator's page carries and renders the app.
 */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { DashboardApp, type DashboardConfig } from "./dashboard-app.js";
import "./styles.css";

function readConfig(): DashboardConfig {
  const text = document.getElementById("dashboard-config")?.textContent ?? "{}";
  const value = JSON.parse(text) as Partial<DashboardConfig>;
  return { defaultProjectId: value.defaultProjectId ?? "", documentedAdminKey: value.documentedAdminKey ?? null };
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <DashboardApp config={readConfig()} />
  </StrictMode>,
);
