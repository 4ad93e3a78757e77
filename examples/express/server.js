/**
 * The seed docs' Express snippets as a runnable server: POST /api/consume-credits and
 * POST /api/grant-product, plus GET /api/credits/:userId to read a balance.
 *
 *   node examples/express/server.js        # PORT (default 3001); emulator at STACK_API_URL or :8102
 */
import express from "express";
import { stackServerApp, stackTarget } from "./stack/server.js";

const app = express();
app.use(express.json());

// From the seed ("Consuming Credits (Server-side)", Express tab), unchanged but for the import.
app.post("/api/consume-credits", async (req, res) => {
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
    console.error(error);
    res.status(500).json({ error: "Server error" });
  }
});

// From the seed ("Granting Products (Server-side)", Express tab), unchanged but for the import.
app.post("/api/grant-product", async (req, res) => {
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
    console.error(error);
    res.status(500).json({ error: "Failed to grant product" });
  }
});

// Not in the seed: read a balance, so the routes above can be checked from the outside.
app.get("/api/credits/:userId", async (req, res) => {
  try {
    const user = await stackServerApp.getUser(req.params.userId);
    if (!user) return res.status(404).json({ error: "User not found" });
    const credits = await user.getItem("credits");
    res.json({ quantity: credits.quantity, nonNegativeQuantity: credits.nonNegativeQuantity });
  } catch (error) {
    console.error(error);
    res.status(500).json({ error: "Server error" });
  }
});

const port = Number(process.env.PORT ?? 3001);
const server = app.listen(port, () => {
  console.log(`express example: http://localhost:${port} (Stack API: ${stackTarget})`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
