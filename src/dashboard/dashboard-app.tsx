/**
 * The dashboard: sign-in, then the shell (navigation, project, live state) around the section the
 * URL names, inside a `StackProvider` whose app is the project's `StackAdminApp` (signed in as
 * the project's owner), so the sections use the SDK's own admin hooks.
 */
import { QueryClient, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import type { EventStreamState } from "../core/live/event-stream.js";
import { StackProvider } from "../react/provider.js";
import { useProjectConfig } from "../react/use-project-config.js";
import { resumeSession, signIn, type DashboardSession } from "./admin-session.js";
import { useAdminEventStream } from "./live-updates.js";
import { href, SECTIONS, useRoute } from "./router.js";
import { ActivitySection } from "./sections/activity.js";
import { CustomersSection } from "./sections/customers.js";
import { EmailsSection } from "./sections/emails.js";
import { ProductLinesSection } from "./sections/product-lines.js";
import { ProductsSection } from "./sections/products.js";
import { SettingsSection } from "./sections/settings.js";
import { TransactionsSection } from "./sections/transactions.js";
import { Badge, Button, errorMessage, Field, ToastProvider } from "./ui.js";

/** What the emulator's page tells the bundle. */
export interface DashboardConfig {
  defaultProjectId: string;
  documentedAdminKey: string | null;
}

/** The whole dashboard. */
export function DashboardApp({ config }: { config: DashboardConfig }) {
  const baseUrl = window.location.origin;
  const [session, setSession] = useState<DashboardSession | null>(() => resumeSession(baseUrl));
  const [endedNote, setEndedNote] = useState<string | null>(null);
  useEffect(
    () =>
      session?.onEnded(() => {
        setEndedNote("Your session ended. Sign in again to continue.");
        setSession(null);
      }),
    [session],
  );
  return (
    <ToastProvider>
      {session ? (
        <SignedIn key={session.projectId} session={session} onSignOut={() => void session.signOut().then(() => setSession(null))} />
      ) : (
        <SignIn config={config} baseUrl={baseUrl} note={endedNote} onSignedIn={(s) => (setEndedNote(null), setSession(s))} />
      )}
    </ToastProvider>
  );
}

function SignIn({ config, baseUrl, note, onSignedIn }: { config: DashboardConfig; baseUrl: string; note: string | null; onSignedIn(session: DashboardSession): void }) {
  const [projectId, setProjectId] = useState(config.defaultProjectId);
  const [adminKey, setAdminKey] = useState(projectId === config.defaultProjectId ? (config.documentedAdminKey ?? "") : "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(baseUrl, projectId, adminKey);
      // The key has done its work: it is not kept in the page.
      setAdminKey("");
      onSignedIn(session);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form className="sign-in-card" onSubmit={(e) => void submit(e)} data-testid="sign-in-form">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          <span>stack-payments</span>
        </div>
        <h1>Payments dashboard</h1>
        <p className="muted">
          Sign in with the super secret admin key of the project to manage. The key is exchanged for an admin session of a project owner and is not kept in this page.
        </p>
        {note && (
          <p className="note" role="status">
            {note}
          </p>
        )}
        <Field label="Project ID">
          {(props) => (
            <input
              {...props}
              value={projectId}
              autoComplete="off"
              spellCheck={false}
              data-testid="sign-in-project"
              onChange={(e) => {
                setProjectId(e.target.value);
                if (e.target.value.trim() === config.defaultProjectId && config.documentedAdminKey && adminKey === "") setAdminKey(config.documentedAdminKey);
              }}
            />
          )}
        </Field>
        <Field label="Super secret admin key" hint={config.documentedAdminKey && projectId.trim() === config.defaultProjectId ? "Pre-filled: the development project's documented key." : undefined}>
          {(props) => <input {...props} type="password" value={adminKey} autoComplete="off" spellCheck={false} data-testid="sign-in-key" onChange={(e) => setAdminKey(e.target.value)} />}
        </Field>
        {error && (
          <p className="form-error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary" busy={busy} data-testid="sign-in-submit" className="btn-block">
          Sign in
        </Button>
      </form>
    </main>
  );
}

function SignedIn({ session, onSignOut }: { session: DashboardSession; onSignOut(): void }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: { queries: { retry: false, refetchOnWindowFocus: true, staleTime: 0 }, mutations: { retry: false } },
      }),
  );
  return (
    <StackProvider app={session.admin} queryClient={queryClient}>
      <Shell session={session} onSignOut={onSignOut} />
    </StackProvider>
  );
}

// "updates", not a bare "Live": next to the "Test mode" / "Live mode" badge a bare "Live" read as the
// payments mode rather than the state of the event stream.
const LIVE_LABELS: Record<EventStreamState, { label: string; tone: "green" | "amber" | "red" | "neutral" }> = {
  open: { label: "Live updates", tone: "green" },
  connecting: { label: "Connecting…", tone: "amber" },
  retrying: { label: "Reconnecting…", tone: "amber" },
  unsupported: { label: "No live updates", tone: "red" },
  closed: { label: "Offline", tone: "neutral" },
};

function Shell({ session, onSignOut }: { session: DashboardSession; onSignOut(): void }) {
  const route = useRoute();
  const queryClient = useQueryClient();
  const live = useAdminEventStream(session, queryClient);
  const config = useProjectConfig({ suspense: false });
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [route.section, route.rest.join("/")]);
  const current = SECTIONS.find((s) => s.id === route.section)!;
  useEffect(() => {
    document.title = `${current.label} · ${session.projectName} · Payments dashboard`;
  }, [current, session.projectName]);
  const testMode = config.data?.payments.testMode;
  const liveState = LIVE_LABELS[live];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen((o) => !o)}>
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">Menu</span>
        </button>
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="hide-sm">stack-payments</span>
        </div>
        <div className="topbar-project" title={session.projectId}>
          <span className="project-name" data-testid="project-name">
            {session.projectName}
          </span>
          {testMode !== undefined && (
            <Badge tone={testMode ? "amber" : "violet"} title={testMode ? "Purchases are free and instant" : "Purchases are charged (emulated payment provider)"}>
              {testMode ? "Test mode" : "Live mode"}
            </Badge>
          )}
        </div>
        <div className="topbar-end">
          <span className={`live live-${liveState.tone}`} data-testid="live-state" role="status">
            <span className="live-dot" aria-hidden="true" />
            {liveState.label}
          </span>
          <Button size="sm" variant="ghost" onClick={onSignOut} data-testid="sign-out">
            Sign out
          </Button>
        </div>
      </header>
      <div className="layout">
        <nav id="nav" className={`nav${menuOpen ? " open" : ""}`} aria-label="Sections">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.id}>
                <a href={href(s.id)} aria-current={s.id === route.section ? "page" : undefined} data-testid={`nav-${s.id}`}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          <Section session={session} section={route.section} rest={route.rest} />
        </main>
      </div>
    </div>
  );
}

function Section({ session, section, rest }: { session: DashboardSession; section: string; rest: string[] }) {
  switch (section) {
    case "product-lines":
      return <ProductLinesSection />;
    case "products":
      return <ProductsSection />;
    case "customers":
      return <CustomersSection session={session} rest={rest} />;
    case "transactions":
      return <TransactionsSection session={session} rest={rest} />;
    case "settings":
      return <SettingsSection session={session} />;
    case "emails":
      return <EmailsSection session={session} />;
    default:
      return <ActivitySection session={session} />;
  }
}
