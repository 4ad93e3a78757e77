/**
 * The seed docs' Express snippets as a runnable server: POST /api/consume-credits and
 * POST /api/grant-product, plus GET /api/credits/:userId to read a balance and GET / to list the
 * routes. Bad input (a missing or non-numeric amount, a negative one, no user id) is answered with
 * 400 and a message naming what was wrong, before any call to Stack.
 *
 *   node examples/express/server.js        # PORT (default 3001); emulator at STACK_API_URL or :8102
 */
import express from "express";
import { isStackPaymentsError } from "stack-payments";
import { z } from "zod";
import { stack, stackServerApp, stackTarget } from "./stack/server.js";
import { FAVICON_SVG } from "../shared/favicon.mjs";

const app = express();
app.use(express.json());

const userId = z.uuid({ error: (issue) => (issue.input === undefined ? "userId is required (GET / says how to get one)" : `userId must be a user id (a UUID), got ${JSON.stringify(issue.input)}`) });
const schemas = {
  consume: z.object({
    userId,
    amount: z
      .number({ error: (issue) => (issue.input === undefined ? "amount is required: a positive whole number of credits" : `amount must be a number, got ${JSON.stringify(issue.input)}`) })
      .int({ error: (issue) => (Number.isInteger(issue.input) ? `amount must be at most ${Number.MAX_SAFE_INTEGER}, got ${issue.input}` : `amount must be a whole number, got ${issue.input}`) })
      .positive({ error: (issue) => `amount must be positive, got ${issue.input}` }),
  }),
  grant: z.object({
    userId,
    productId: z.string({ error: (issue) => (issue.input === undefined ? "productId is required, e.g. \"credits_pack\"" : `productId must be a string, got ${JSON.stringify(issue.input)}`) }).min(1, "productId must not be empty"),
  }),
};

/** Middleware: answers 400 with the first problem of the JSON body, or hands on the parsed body. */
function validBody(schema) {
  return (req, res, next) => {
    if (req.body === undefined) return res.status(400).json({ error: "Send a JSON body with content-type: application/json" });
    const parsed = schema.safeParse(req.body);
    if (!parsed.success) return res.status(400).json({ error: parsed.error.issues[0].message });
    req.body = parsed.data;
    next();
  };
}

/**
 * The answer for an error from Stack: the API's own status and message when the request itself
 * was at fault (an unknown product, say), else a 500 that does not leak details to the caller.
 */
function sendFailure(res, error, fallback) {
  if (isStackPaymentsError(error) && (error.code === "INVALID_ARGUMENT" || [400, 404, 409, 422].includes(error.status ?? 0))) {
    return res.status(error.status ?? 400).json({ error: error.message, code: error.code });
  }
  console.error(error);
  return res.status(500).json({ error: fallback });
}

const ROUTES = [
  { method: "GET", path: "/", description: "this list" },
  {
    method: "POST",
    path: "/api/grant-product",
    body: { userId: "<user id>", productId: "credits_pack" },
    description: "grants a product to a user (grantProduct, from the docs)",
  },
  {
    method: "POST",
    path: "/api/consume-credits",
    body: { userId: "<user id>", amount: 30 },
    description: "spends credits atomically, never below zero (tryDecreaseQuantity, from the docs)",
  },
  { method: "GET", path: "/api/credits/:userId", description: "reads a user's credits" },
];

/** How to get a user id for the routes above: on the emulator, one curl line creates a user. */
const userIds =
  stack.target === "emulator"
    ? {
        howTo: 'Create a user on the emulator with this command; its answer\'s "id" is the user id (the development project\'s keys are public).',
        command:
          `curl -s -X POST ${stack.apiUrl}/api/v1/users -H 'content-type: application/json' -H 'x-stack-access-type: server' ` +
          `-H 'x-stack-project-id: ${stack.projectId}' -H 'x-stack-secret-server-key: ${stack.secretServerKey}' -d '{}'`,
      }
    : { howTo: "Use the id of any user of your project (Stack Auth dashboard, Users)." };

app.get("/", (req, res) => {
  res.json({ example: "stack-payments Express example", stackApi: stackTarget, routes: ROUTES, userIds });
});

// Browsers ask for an icon with every page; answer instead of logging a 404.
app.get(["/favicon.ico", "/favicon.svg"], (req, res) => {
  res.type("image/svg+xml").set("cache-control", "public, max-age=86400").send(FAVICON_SVG);
});

// From the seed ("Consuming Credits (Server-side)", Express tab): the input is checked first
// (validBody), and an error from Stack keeps its status (sendFailure).
app.post("/api/consume-credits", validBody(schemas.consume), async (req, res) => {
  try {
    const { userId, amount } = req.body;

    const user = await stackServerApp.getUser(userId);
    if (!user) {
      return res.status(404).json({ error: "User not found" });
    }

    const credits = await user.getItem("credits");

    // tryDecreaseQuantity is atomic and race-condition-safe
    const success = await credits.tryDecreaseQuantity(amount);

    if (!success) {
      return res.status(400).json({ error: "Insufficient credits" });
    }

    // `credits` is the balance as read before the decrease, so read it again for what is left.
    res.json({ remaining: (await user.getItem("credits")).quantity });
  } catch (error) {
    sendFailure(res, error, "Server error");
  }
});

// From the seed ("Granting Products (Server-side)", Express tab), with the same checks.
app.post("/api/grant-product", validBody(schemas.grant), async (req, res) => {
  try {
    const { userId, productId } = req.body;

    const user = await stackServerApp.getUser(userId);
    if (!user) {
      return res.status(404).json({ error: "User not found" });
    }

    await user.grantProduct({
      productId,
      quantity: 1,
    });

    res.json({ success: true });
  } catch (error) {
    sendFailure(res, error, "Failed to grant product");
  }
});

// Not in the seed: read a balance, so the routes above can be checked from the outside.
app.get("/api/credits/:userId", async (req, res) => {
  const parsed = userId.safeParse(req.params.userId);
  if (!parsed.success) return res.status(400).json({ error: parsed.error.issues[0].message });
  try {
    const user = await stackServerApp.getUser(parsed.data);
    if (!user) return res.status(404).json({ error: "User not found" });
    const credits = await user.getItem("credits");
    res.json({ quantity: credits.quantity, nonNegativeQuantity: credits.nonNegativeQuantity });
  } catch (error) {
    sendFailure(res, error, "Server error");
  }
});

app.use((req, res) => {
  res.status(404).json({ error: `No route ${req.method} ${req.path}; GET / lists the routes` });
});

// Express's own errors (a body that is not JSON, one over the size limit) as JSON, without a stack trace.
app.use((error, req, res, next) => {
  if (res.headersSent) return next(error);
  const status = typeof error?.status === "number" && error.status >= 400 && error.status < 500 ? error.status : 500;
  if (status === 500) console.error(error);
  const message =
    error?.type === "entity.parse.failed"
      ? 'The body is not valid JSON; send e.g. {"userId":"<user id>","amount":30}'
      : status === 500
        ? "Server error"
        : String(error?.message ?? "Bad request");
  res.status(status).json({ error: message });
});

const port = Number(process.env.PORT ?? 3001);
// Only this machine reaches it (its routes move credits with the server key); HOST=0.0.0.0 opens it up.
const server = app.listen(port, process.env.HOST ?? "127.0.0.1", () => {
  console.log(`express example: http://localhost:${port} (Stack API: ${stackTarget})`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
