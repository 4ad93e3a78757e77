// Which project and API this example talks to: see examples/shared/stack-env.mjs.
import { resolveStackEnv as resolve } from "../../shared/stack-env.mjs";

/** The project and API base URL, resolved from STACK_* variables (emulator by default). */
export interface StackEnv {
  target: "emulator" | "hosted";
  projectId: string;
  publishableClientKey: string;
  secretServerKey: string;
  apiUrl: string;
}

/** Reads the environment at request time (server only). */
export const resolveStackEnv = resolve as () => StackEnv;
