/**
 * Settings: test mode, blocking new purchases, the payment methods checkout offers, the Stripe
 * account (onboarding, charges and payouts) and the emulator's test clock.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { stackQueryKeys } from "../../react/stack-query-keys.js";
import { useAdminApp } from "../../react/use-admin-app.js";
import { usePaymentMethodConfigs, useProjectConfig, useStripeAccountInfo } from "../../react/use-project-config.js";
import type { DashboardSession } from "../admin-session.js";
import { formatDateTime } from "../format.js";
import { dashboardKeys } from "../live-updates.js";
import { Badge, Button, Card, ErrorNote, Field, FormError, Loading, PageHeader, Switch, useToast } from "../ui.js";

/** The Settings section. */
export function SettingsSection({ session }: { session: DashboardSession }) {
  return (
    <>
      <PageHeader title="Settings" description="How the project takes payments. Changes apply to apps at once." />
      <div className="stack">
        <ModeSettings />
        <PaymentMethods />
        <StripeAccount />
        <TestClock session={session} />
      </div>
    </>
  );
}

function ModeSettings() {
  const admin = useAdminApp();
  const toast = useToast();
  const config = useProjectConfig({ suspense: false });
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const set = async (key: "payments.testMode" | "payments.blockNewPurchases", value: boolean, done: string) => {
    setBusy(key);
    setError(null);
    try {
      await admin.updateProjectConfig({ [key]: value });
      toast(done);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const payments = config.data?.payments;
  return (
    <Card title="Purchases" testId="mode-settings">
      {config.status === "pending" && <Loading rows={2} />}
      {config.status === "error" && <ErrorNote error={config.error} retry={() => void config.refetch()} />}
      {payments && (
        <div className="switches">
          <Switch
            label="Test mode"
            description="Purchases are free and instant, and cannot be refunded. Off: checkout charges a card (the emulator's payment provider takes the test cards)."
            checked={payments.testMode}
            busy={busy === "payments.testMode"}
            testId="toggle-test-mode"
            onChange={(on) => void set("payments.testMode", on, on ? "Test mode is on." : "Test mode is off: purchases are charged.")}
          />
          <Switch
            label="Block new purchases"
            description="Checkout refuses new purchases (existing subscriptions go on). For maintenance or a sunset."
            checked={payments.blockNewPurchases}
            busy={busy === "payments.blockNewPurchases"}
            testId="toggle-block-purchases"
            onChange={(on) => void set("payments.blockNewPurchases", on, on ? "New purchases are blocked." : "New purchases are allowed again.")}
          />
        </div>
      )}
      <FormError error={error} />
    </Card>
  );
}

function PaymentMethods() {
  const admin = useAdminApp();
  const toast = useToast();
  const methods = usePaymentMethodConfigs({ suspense: false });
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const toggle = async (configId: string, id: string, name: string, on: boolean) => {
    setBusy(id);
    setError(null);
    try {
      await admin.updatePaymentMethodConfigs(configId, { [id]: on ? "on" : "off" });
      toast(`${name} is ${on ? "offered" : "no longer offered"} at checkout.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Card title="Payment methods" testId="payment-methods">
      {methods.status === "pending" && <Loading rows={3} />}
      {methods.status === "error" && <ErrorNote error={methods.error} retry={() => void methods.refetch()} />}
      {methods.status === "success" &&
        (methods.data === null ? (
          <p className="muted">Set up payments (below) to choose the payment methods checkout offers.</p>
        ) : (
          <>
            <div className="methods">
              {methods.data!.methods
                .filter((m) => m.available)
                .map((m) => (
                  <Switch
                    key={m.id}
                    label={m.name}
                    checked={m.enabled}
                    disabled={!m.overridable}
                    busy={busy === m.id}
                    testId={`method-${m.id}`}
                    onChange={(on) => void toggle(methods.data!.configId, m.id, m.name, on)}
                  />
                ))}
            </div>
            {methods.data!.methods.some((m) => !m.available) && (
              <details className="unavailable">
                <summary>
                  {methods.data!.methods.filter((m) => !m.available).length} more methods are not available for this account (its country or currency)
                </summary>
                <ul className="unavailable-list">
                  {methods.data!.methods
                    .filter((m) => !m.available)
                    .map((m) => (
                      <li key={m.id}>{m.name}</li>
                    ))}
                </ul>
              </details>
            )}
          </>
        ))}
      <FormError error={error} />
    </Card>
  );
}

function StripeAccount() {
  const admin = useAdminApp();
  const account = useStripeAccountInfo({ suspense: false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const setUp = async () => {
    setBusy(true);
    setError(null);
    try {
      const { url } = await admin.setupPayments();
      window.open(url, "_blank", "noopener");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const info = account.data;
  return (
    <Card title="Stripe account and payouts" testId="stripe-account">
      {account.status === "pending" && <Loading rows={2} />}
      {account.status === "error" && <ErrorNote error={account.error} retry={() => void account.refetch()} />}
      {account.status === "success" &&
        (info ? (
          <>
            <dl className="facts">
              <div>
                <dt>Account</dt>
                <dd className="mono">{info.account_id}</dd>
              </div>
              <div>
                <dt>Charges</dt>
                <dd>{info.charges_enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="amber">Not yet</Badge>}</dd>
              </div>
              <div>
                <dt>Payouts</dt>
                <dd>{info.payouts_enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="amber">Not yet</Badge>}</dd>
              </div>
              <div>
                <dt>Details</dt>
                <dd>{info.details_submitted ? "Submitted" : "Missing"}</dd>
              </div>
            </dl>
            {!info.details_submitted && (
              <Button onClick={() => void setUp()} busy={busy}>
                Continue onboarding
              </Button>
            )}
          </>
        ) : (
          <>
            <p className="muted">Payments are not set up: connect a Stripe account to take payments and receive payouts.</p>
            <Button variant="primary" onClick={() => void setUp()} busy={busy} data-testid="setup-payments">
              Set up payments
            </Button>
          </>
        ))}
      <FormError error={error} />
    </Card>
  );
}

const UNIT_MILLIS = { hour: 3_600_000, day: 86_400_000, week: 604_800_000, month: 30 * 86_400_000 } as const;
type ClockUnit = keyof typeof UNIT_MILLIS;

function TestClock({ session }: { session: DashboardSession }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const clock = useQuery({ queryKey: dashboardKeys.clock(session.projectId), queryFn: () => session.api.getClock(), refetchInterval: 30_000 });
  const [count, setCount] = useState("1");
  const [unit, setUnit] = useState<ClockUnit>("day");
  const [busy, setBusy] = useState(false);
  const [countError, setCountError] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const advance = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const n = Number(count.trim());
    if (count.trim() === "" || !Number.isInteger(n) || n < 1) {
      setCountError(`"${count.trim()}" is not a whole number of at least 1.`);
      return;
    }
    setCountError(undefined);
    setBusy(true);
    try {
      const { now_millis } = await session.api.advanceClock(n * UNIT_MILLIS[unit]);
      queryClient.setQueryData(dashboardKeys.clock(session.projectId), { now_millis });
      // Quantities, renewals and expiries all depend on the time: read everything again.
      void queryClient.invalidateQueries({ queryKey: stackQueryKeys.project(session.projectId) });
      toast(`The project's clock is now ${formatDateTime(now_millis)}.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Test clock" testId="test-clock">
      <p className="muted">
        Moves this project's time forward (never back): renewals, repeats and expiries happen as they would then. Emulator time:{" "}
        <span className="strong" data-testid="clock-now">
          {clock.data ? formatDateTime(clock.data.now_millis) : "…"}
        </span>
      </p>
      <form className="inline wrap clock-form" onSubmit={(e) => void advance(e)} noValidate>
        <Field label="Advance by" className="field-inline" error={countError}>
          {(props) => <input {...props} className="input-narrow" inputMode="numeric" value={count} onChange={(e) => setCount(e.target.value)} data-testid="clock-count" />}
        </Field>
        <label className="inline-label">
          <span className="visually-hidden">Unit</span>
          <select value={unit} onChange={(e) => setUnit(e.target.value as ClockUnit)} data-testid="clock-unit">
            <option value="hour">hours</option>
            <option value="day">days</option>
            <option value="week">weeks</option>
            <option value="month">months (30 days)</option>
          </select>
        </label>
        <Button type="submit" busy={busy} data-testid="clock-advance">
          Advance
        </Button>
      </form>
      <FormError error={error} />
    </Card>
  );
}
