/**
 * The dashboard's routes live in the URL's hash (`#/customers/user/<id>`), so every view has a
 * link, the browser's back button works, and the emulator serves one page.
 */
import { useSyncExternalStore } from "react";

/** The sections, in the docs' order. */
export const SECTIONS = [
  { id: "product-lines", label: "Product lines" },
  { id: "products", label: "Products & items" },
  { id: "customers", label: "Customers" },
  { id: "transactions", label: "Transactions" },
  { id: "settings", label: "Settings" },
  { id: "emails", label: "Payment emails" },
  { id: "activity", label: "Activity" },
] as const;

/** A section's id. */
export type SectionId = (typeof SECTIONS)[number]["id"];

/** Where the dashboard is: a section and the path segments after it. */
export interface Route {
  section: SectionId;
  rest: string[];
}

function subscribe(listener: () => void): () => void {
  window.addEventListener("hashchange", listener);
  return () => window.removeEventListener("hashchange", listener);
}

/** Parses a hash (`#/customers/user/abc`). Unknown sections lead to the first one. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const section = SECTIONS.find((s) => s.id === parts[0])?.id ?? "product-lines";
  return { section, rest: section === parts[0] ? parts.slice(1) : [] };
}

/** The current route; re-renders on navigation. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash, () => "");
  return parseRoute(hash);
}

/** The link of a section (and sub-path): `href("customers", "user", id)`. */
export function href(section: SectionId, ...rest: string[]): string {
  return `#/${[section, ...rest].map(encodeURIComponent).join("/")}`;
}

/** Goes to a section (and sub-path). */
export function navigate(section: SectionId, ...rest: string[]): void {
  window.location.hash = href(section, ...rest);
}
