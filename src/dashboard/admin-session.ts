/**
 * The dashboard's admin session. Signing in exchanges the project's super secret admin key (sent
 * once, kept nowhere) for a session of an internal-project user who manages the project; that
 * session is a `StackClientApp` of the internal project (the SDK refreshes its access token), and
 * the project's `StackAdminApp` is signed in with it through `projectOwnerSession`. The refresh
 * token is kept in this tab's sessionStorage, so a reload stays signed in.
 */
import { StackAdminApp } from "../apps/admin-app.js";
import { StackClientApp } from "../apps/client-app.js";
import { StackPaymentsError } from "../core/errors.js";
import { DASHBOARD_REQUEST_HEADER, EmulatorApi, exchangeAdminKey } from "./emulator-api.js";

const STORAGE_KEY = "stack-payments-dashboard:session";

interface StoredSession {
  projectId: string;
  projectName: string;
  internalProjectId: string;
  refreshToken: string;
}

/** A signed-in dashboard: the project, its admin app, the emulator's own routes, and sign-out. */
export interface DashboardSession {
  readonly projectId: string;
  readonly projectName: string;
  /** The project's admin app, signed in as its owner (no key). */
  readonly admin: StackAdminApp;
  /** The emulator's own routes and the user and team listings. */
  readonly api: EmulatorApi;
  /** Ends the session on the emulator and forgets it here. */
  signOut(): Promise<void>;
  /** Calls `listener` once if the session ends by itself (revoked, expired); returns the unsubscribe function. */
  onEnded(listener: () => void): () => void;
}

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}

function openSession(baseUrl: string, stored: StoredSession, accessToken: string | null): DashboardSession {
  const owner = new StackClientApp({
    projectId: stored.internalProjectId,
    baseUrl,
    tokenStore: { accessToken, refreshToken: stored.refreshToken },
    redirectMethod: "none",
  });
  const listeners = new Set<() => void>();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    storage()?.removeItem(STORAGE_KEY);
    for (const listener of [...listeners]) listener();
  };
  const adminAccessToken = async () => {
    const token = await owner.getAccessToken();
    // The refresh token was refused: the session is over (signed out elsewhere, or expired).
    if (!token) end();
    return token;
  };
  const admin = new StackAdminApp({
    projectId: stored.projectId,
    baseUrl,
    projectOwnerSession: adminAccessToken,
    extraRequestHeaders: { [DASHBOARD_REQUEST_HEADER]: "1" },
    tokenStore: null,
  });
  return {
    projectId: stored.projectId,
    projectName: stored.projectName,
    admin,
    api: new EmulatorApi(baseUrl, stored.projectId, adminAccessToken),
    async signOut() {
      try {
        await owner.signOut();
      } catch {
        // Already ended on the emulator (or it is gone): forgetting it here is what matters.
      }
      end();
    },
    onEnded(listener) {
      if (ended) {
        listener();
        return () => {};
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Signs in to `projectId` with its super secret admin key. Fails with a message for people:
 * an unknown project, a wrong key, an emulator that cannot be reached.
 */
export async function signIn(baseUrl: string, projectId: string, adminKey: string): Promise<DashboardSession> {
  const id = projectId.trim();
  const key = adminKey.trim();
  if (id === "") throw new StackPaymentsError({ code: "INVALID_ARGUMENT", message: "Enter the project's id." });
  if (key === "") throw new StackPaymentsError({ code: "INVALID_ARGUMENT", message: "Enter the project's super secret admin key." });
  const answer = await exchangeAdminKey(baseUrl, id, key);
  const stored: StoredSession = {
    projectId: answer.project.id,
    projectName: answer.project.display_name,
    internalProjectId: answer.internal_project_id,
    refreshToken: answer.refresh_token,
  };
  storage()?.setItem(STORAGE_KEY, JSON.stringify(stored));
  return openSession(baseUrl, stored, answer.access_token);
}

/** The session this tab signed in with before a reload, if any. */
export function resumeSession(baseUrl: string): DashboardSession | null {
  const raw = storage()?.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const stored = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof stored.projectId !== "string" || typeof stored.refreshToken !== "string" || typeof stored.internalProjectId !== "string") throw new Error("incomplete");
    return openSession(baseUrl, { projectName: stored.projectId, ...stored } as StoredSession, null);
  } catch {
    storage()?.removeItem(STORAGE_KEY);
    return null;
  }
}
