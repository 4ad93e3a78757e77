import type { ReactNode } from "react";
import { resolveStackEnv } from "@/stack/env";
import { FAVICON_DATA_URL } from "../../shared/favicon.mjs";
import { Providers } from "./providers";
import "./globals.css";

// The icon is inline, so browsers never ask the server for /favicon.ico.
export const metadata = { title: "stack-payments · Next.js example", icons: { icon: FAVICON_DATA_URL } };

// The client's project and API are read at request time, so one build serves any emulator port.
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  const { projectId, publishableClientKey, apiUrl } = resolveStackEnv();
  return (
    <html lang="en">
      <body>
        <Providers projectId={projectId} publishableClientKey={publishableClientKey} apiUrl={apiUrl}>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
