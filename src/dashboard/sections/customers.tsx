/**
 * Customers: users, teams and custom customers, searchable by id or name; each one's item
 * quantities (live) and products, with manual quantity changes (optionally expiring, with a
 * description), product grants and simulated paid purchases.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { CustomerSelector } from "../../core/api-context.js";
import { isStackPaymentsError } from "../../core/errors.js";
import { customerSelector } from "../../core/live/read-topic.js";
import type { CustomerProductsList } from "../../core/products.js";
import type { CustomerType } from "../../core/schemas/common.js";
import { itemQueryOptions } from "../../react/query-options.js";
import { stackQueryKeys } from "../../react/stack-query-keys.js";
import { useAdminApp } from "../../react/use-admin-app.js";
import { useProjectConfig } from "../../react/use-project-config.js";
import { useTransactions } from "../../react/use-transactions.js";
import type { DashboardSession } from "../admin-session.js";
import { CUSTOMER_TYPE_LABELS, formatDateTime, formatMoney, shortId } from "../format.js";
import { dashboardKeys } from "../live-updates.js";
import { href, navigate } from "../router.js";
import { Badge, Button, Card, Dialog, EmptyState, ErrorNote, Field, FormError, Loading, PageHeader, Segmented, errorMessage, useDebounced, useToast } from "../ui.js";
import { TransactionList } from "./transactions.js";

const TYPES: ReadonlyArray<{ value: CustomerType; label: string }> = [
  { value: "user", label: "Users" },
  { value: "team", label: "Teams" },
  { value: "custom", label: "Custom" },
];

function isCustomerType(value: string | undefined): value is CustomerType {
  return value === "user" || value === "team" || value === "custom";
}

/** The Customers section: a list per customer type, or one customer. */
export function CustomersSection({ session, rest }: { session: DashboardSession; rest: string[] }) {
  const type = isCustomerType(rest[0]) ? rest[0] : "user";
  if (rest[1]) return <CustomerDetail session={session} type={type} id={rest[1]} />;
  return <CustomerList session={session} type={type} />;
}

interface ListedCustomer {
  id: string;
  name: string | null;
  detail: string | null;
  at: number | null;
}

function CustomerList({ session, type }: { session: DashboardSession; type: CustomerType }) {
  const [search, setSearch] = useState("");
  const query = useDebounced(search.trim());
  const [openId, setOpenId] = useState("");
  const list = useQuery({
    queryKey: dashboardKeys.customers(session.projectId, type, query),
    queryFn: async (): Promise<ListedCustomer[]> => {
      if (type === "user") {
        return (await session.api.listUsers(query)).map((u) => ({
          id: u.id,
          name: u.display_name ?? u.primary_email ?? (u.is_anonymous ? "Anonymous user" : null),
          detail: u.display_name ? u.primary_email : null,
          at: u.signed_up_at_millis,
        }));
      }
      if (type === "team") {
        const q = query.toLowerCase();
        return (await session.api.listTeams())
          .filter((t) => q === "" || t.id === q || t.display_name.toLowerCase().includes(q))
          .reverse()
          .map((t) => ({ id: t.id, name: t.display_name, detail: null, at: t.created_at_millis }));
      }
      return (await session.api.listCustomCustomers(query)).items.map((c) => ({ id: c.id, name: null, detail: null, at: c.last_activity_millis }));
    },
    placeholderData: (previous) => previous,
  });
  const typeLabel = CUSTOMER_TYPE_LABELS[type].toLowerCase();
  return (
    <>
      <PageHeader title="Customers" description="Who buys: users, teams, and custom customers (ids from your own systems). Open one to see and change their items and products." />
      <div className="toolbar">
        <Segmented label="Customer type" value={type} options={TYPES} onChange={(t) => navigate("customers", t)} />
        <label className="search">
          <span className="visually-hidden">Search {typeLabel}s by id or name</span>
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={type === "custom" ? "Search by id" : "Search by id or name"} data-testid="customer-search" />
        </label>
      </div>
      {type === "custom" && (
        <form
          className="inline open-customer"
          onSubmit={(e) => {
            e.preventDefault();
            if (openId.trim()) navigate("customers", "custom", openId.trim());
          }}
        >
          <label className="inline-label">
            <span className="small muted">Open a custom customer by id</span>
            <input value={openId} onChange={(e) => setOpenId(e.target.value)} placeholder="org_1234" data-testid="open-custom-id" />
          </label>
          <Button type="submit" size="sm" disabled={openId.trim() === ""}>
            Open
          </Button>
        </form>
      )}
      <Card testId="customer-list">
        {list.status === "pending" && <Loading />}
        {list.status === "error" && <ErrorNote error={list.error} retry={() => void list.refetch()} />}
        {list.data &&
          (list.data.length === 0 ? (
            <EmptyState title={query ? `No ${typeLabel}s match "${query}"` : `No ${typeLabel}s yet`}>
              {query
                ? "Search by the whole id, or part of a name or email."
                : type === "custom"
                  ? "Custom customers appear once they buy or are given something. Open one by id above to grant them a product."
                  : `${CUSTOMER_TYPE_LABELS[type]}s appear here when your app creates them.`}
            </EmptyState>
          ) : (
            <ul className="rows">
              {list.data.map((c) => (
                <li key={c.id} className="row">
                  <a className="row-link" href={href("customers", type, c.id)} data-testid={`customer-${c.id}`}>
                    <span className="row-main">
                      <span className="strong">{c.name ?? c.id}</span>
                      <span className="muted small mono">{c.name ? c.id : (c.detail ?? "")}</span>
                      {c.detail && c.name && <span className="muted small">{c.detail}</span>}
                    </span>
                    {c.at !== null && <span className="muted small hide-sm">{type === "custom" ? "Active" : "Since"} {formatDateTime(c.at)}</span>}
                  </a>
                </li>
              ))}
            </ul>
          ))}
      </Card>
    </>
  );
}

function CustomerDetail({ session, type, id }: { session: DashboardSession; type: CustomerType; id: string }) {
  const admin = useAdminApp();
  const config = useProjectConfig({ suspense: false });
  const selector = customerSelector(type, id);
  const [dialog, setDialog] = useState<{ kind: "adjust"; itemId?: string } | { kind: "grant" } | { kind: "simulate" } | null>(null);
  const who = useQuery({
    queryKey: [...stackQueryKeys.customer(session.projectId, selector), "profile"],
    queryFn: async () => {
      if (type === "user") {
        const user = await admin.getUser(id);
        return user && { name: user.displayName ?? user.primaryEmail ?? (user.isAnonymous ? "Anonymous user" : null), detail: user.displayName ? user.primaryEmail : null };
      }
      if (type === "team") {
        const team = await admin.getTeam(id);
        return team && { name: team.displayName, detail: null };
      }
      return { name: null, detail: null };
    },
  });
  const products = useQuery({
    queryKey: dashboardKeys.customerProducts(session.projectId, type, id),
    queryFn: () => admin.listProducts({ ...selector, limit: 100 }),
  });
  const payments = config.data?.payments;
  const items = Object.entries(payments?.items ?? {}).filter(([, item]) => (item.customerType ?? "user") === type);
  const notFound = who.data === null;
  return (
    <>
      <p className="breadcrumb">
        <a href={href("customers", type)}>← {CUSTOMER_TYPE_LABELS[type]}s</a>
      </p>
      <PageHeader
        title={who.data?.name ?? (type === "custom" ? id : `${CUSTOMER_TYPE_LABELS[type]} ${shortId(id)}`)}
        description={
          <>
            <Badge>{CUSTOMER_TYPE_LABELS[type]}</Badge> <span className="mono small">{id}</span>
            {who.data?.detail && <span className="small"> · {who.data.detail}</span>}
          </>
        }
        actions={
          !notFound && (
            <>
              <Button onClick={() => setDialog({ kind: "adjust" })} disabled={items.length === 0} data-testid="adjust-quantity">
                Adjust quantity
              </Button>
              <Button onClick={() => setDialog({ kind: "simulate" })} data-testid="simulate-purchase">
                Simulate paid purchase
              </Button>
              <Button variant="primary" onClick={() => setDialog({ kind: "grant" })} data-testid="grant-product">
                Grant product
              </Button>
            </>
          )
        }
      />
      {who.status === "error" && <ErrorNote error={who.error} retry={() => void who.refetch()} />}
      {notFound ? (
        <Card>
          <EmptyState title={`No ${type} with this id`}>The id may be mistyped, or the {type} was deleted.</EmptyState>
        </Card>
      ) : (
        <div className="grid-detail">
          <Card title="Items" testId="customer-items">
            {config.status === "pending" && <Loading rows={2} />}
            {items.length === 0 && config.data && <EmptyState title={`No items for ${type}s`}>Create one under Products & items.</EmptyState>}
            {items.length > 0 && (
              <ul className="rows">
                {items.map(([itemId, item]) => (
                  <ItemRow key={itemId} selector={selector} itemId={itemId} name={item.displayName ?? itemId} onAdjust={() => setDialog({ kind: "adjust", itemId })} />
                ))}
              </ul>
            )}
          </Card>
          <Card title="Products" testId="customer-products">
            {products.status === "pending" && <Loading rows={2} />}
            {products.status === "error" && <ErrorNote error={products.error} retry={() => void products.refetch()} />}
            {products.data && <ProductList products={products.data} />}
          </Card>
          <Card
            title="Recent transactions"
            actions={
              <a className="small" href={href("transactions", "customer", type, id)}>
                All of this customer's transactions
              </a>
            }
          >
            <CustomerTransactions type={type} id={id} />
          </Card>
        </div>
      )}
      {dialog?.kind === "adjust" && (
        <AdjustDialog selector={selector} items={items.map(([i, item]) => ({ id: i, name: item.displayName ?? i }))} itemId={dialog.itemId ?? items[0]?.[0] ?? ""} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === "grant" && payments && <GrantDialog session={session} type={type} id={id} payments={payments} onClose={() => setDialog(null)} />}
      {dialog?.kind === "simulate" && payments && <SimulateDialog session={session} type={type} id={id} payments={payments} onClose={() => setDialog(null)} />}
    </>
  );
}

function ItemRow({ selector, itemId, name, onAdjust }: { selector: CustomerSelector; itemId: string; name: string; onAdjust(): void }) {
  const admin = useAdminApp();
  // The item's value is live: the provider's live channel pushes every change into this query.
  const item = useQuery(itemQueryOptions(admin, { ...selector, itemId }));
  return (
    <li className="row" data-testid={`item-${itemId}`}>
      <div className="row-main">
        <span className="strong">{name}</span>
        <span className="muted small mono">{itemId}</span>
      </div>
      <div className="row-side">
        {item.status === "pending" ? (
          <span className="skeleton skeleton-inline" aria-label="Loading" />
        ) : item.status === "error" ? (
          <span className="field-error">{errorMessage(item.error)}</span>
        ) : (
          <span className={`quantity${item.data.quantity < 0 ? " negative" : ""}`} data-testid={`quantity-${itemId}`}>
            {item.data.quantity.toLocaleString("en-US")}
          </span>
        )}
        <Button size="sm" onClick={onAdjust} data-testid={`adjust-${itemId}`}>
          Adjust
        </Button>
      </div>
    </li>
  );
}

function ProductList({ products }: { products: CustomerProductsList }) {
  if (products.length === 0) return <EmptyState title="No products">Purchases and grants show up here.</EmptyState>;
  return (
    <ul className="rows">
      {products.map((p, i) => (
        <li key={`${p.id ?? "inline"}-${i}`} className="row" data-testid={`owned-${p.id ?? "inline"}`}>
          <div className="row-main">
            <span className="strong">
              {p.displayName} <span className="muted">×{p.quantity}</span>
            </span>
            <span className="muted small mono">{p.id ?? "inline product"}</span>
          </div>
          <div className="row-side chips">
            {p.isServerOnly && <Badge tone="violet">Server only</Badge>}
            {p.subscription ? (
              <Badge tone={p.subscription.cancelAtPeriodEnd ? "amber" : "green"}>
                {p.subscription.cancelAtPeriodEnd ? "Ends" : "Renews"} {p.subscription.currentPeriodEnd ? formatDateTime(p.subscription.currentPeriodEnd.getTime()) : ""}
              </Badge>
            ) : (
              <Badge>One-time</Badge>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

function CustomerTransactions({ type, id }: { type: CustomerType; id: string }) {
  const page = useTransactions({ customerType: type, customerId: id, limit: 5, suspense: false });
  if (page.status === "pending") return <Loading rows={2} />;
  if (page.status === "error") return <ErrorNote error={page.error} retry={() => void page.refetch()} />;
  if (page.data!.transactions.length === 0) return <EmptyState title="No transactions yet" />;
  return <TransactionList transactions={page.data!.transactions} compact />;
}

/** The SDK's argument refusal (`INVALID_ARGUMENT`) of `name`, else undefined. */
function argumentError(error: unknown, ...names: string[]): string | undefined {
  if (isStackPaymentsError(error, "INVALID_ARGUMENT") && names.includes(String(error.details?.argument))) return error.message;
  return undefined;
}

function AdjustDialog({ selector, items, itemId, onClose }: { selector: CustomerSelector; items: Array<{ id: string; name: string }>; itemId: string; onClose(): void }) {
  const admin = useAdminApp();
  const toast = useToast();
  const [item, setItem] = useState(itemId);
  const [quantity, setQuantity] = useState("");
  const [expires, setExpires] = useState("");
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const expiresAt = expires === "" ? undefined : new Date(expires);
      await admin.createItemQuantityChange({
        ...selector,
        itemId: item,
        quantity: quantity.trim() === "" ? Number.NaN : Number(quantity.trim()),
        ...(expiresAt ? { expiresAt } : {}),
        ...(description.trim() ? { description: description.trim() } : {}),
      } as Parameters<typeof admin.createItemQuantityChange>[0]);
      const name = items.find((i) => i.id === item)?.name ?? item;
      toast(`${name}: ${Number(quantity) > 0 ? "+" : ""}${quantity.trim()}${expiresAt ? `, expiring ${formatDateTime(expiresAt.getTime())}` : ""}.`);
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const quantityError = argumentError(error, "quantity");
  const expiresError = argumentError(error, "expiresAt");
  const general = error && !quantityError && !expiresError ? errorMessage(error) : null;
  return (
    <Dialog
      title="Adjust quantity"
      description="Adds to (or, negative, removes from) the customer's quantity. The change shows in the transactions."
      onClose={onClose}
      testId="adjust-dialog"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="adjust-form" variant="primary" busy={busy} data-testid="adjust-save">
            Apply change
          </Button>
        </>
      }
    >
      <form id="adjust-form" className="form" onSubmit={(e) => void submit(e)} noValidate>
        <Field label="Item">
          {(props) => (
            <select {...props} value={item} onChange={(e) => setItem(e.target.value)} data-testid="adjust-item">
              {items.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Change" hint="A whole number: 100 adds, -5 removes." error={quantityError}>
          {(props) => <input {...props} inputMode="numeric" value={quantity} onChange={(e) => setQuantity(e.target.value)} placeholder="100" data-testid="adjust-quantity-input" />}
        </Field>
        <Field label="Expires (optional)" hint="An added quantity can expire; what is left of it is then taken away." error={expiresError}>
          {(props) => <input {...props} type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} data-testid="adjust-expires" />}
        </Field>
        <Field label="Description (optional)" hint="Why, for whoever reads the transactions.">
          {(props) => <input {...props} value={description} onChange={(e) => setDescription(e.target.value)} placeholder="Goodwill credit" data-testid="adjust-description" />}
        </Field>
        {general && (
          <p className="form-error" role="alert" data-testid="adjust-error">
            {general}
          </p>
        )}
      </form>
    </Dialog>
  );
}

type Payments = NonNullable<ReturnType<typeof useProjectConfig>["data"]>["payments"];

function productsFor(payments: Payments, type: CustomerType) {
  return Object.entries(payments.products ?? {}).filter(([, p]) => (p.customerType ?? "user") === type);
}

function GrantDialog({ session, type, id, payments, onClose }: { session: DashboardSession; type: CustomerType; id: string; payments: Payments; onClose(): void }) {
  const admin = useAdminApp();
  const toast = useToast();
  const queryClient = useQueryClient();
  const products = productsFor(payments, type);
  const [productId, setProductId] = useState(products[0]?.[0] ?? "");
  const [quantity, setQuantity] = useState("1");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const stackable = payments.products?.[productId]?.stackable === true;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await admin.grantProduct({ ...customerSelector(type, id), productId, ...(stackable ? { quantity: Number(quantity) } : {}) } as Parameters<typeof admin.grantProduct>[0]);
      void queryClient.invalidateQueries({ queryKey: stackQueryKeys.customer(session.projectId, customerSelector(type, id)) });
      toast(`Granted ${payments.products?.[productId]?.displayName ?? productId}.`);
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const quantityError = argumentError(error, "quantity");
  return (
    <Dialog
      title="Grant product"
      description="Gives the product without a payment, as your server's grantProduct does."
      onClose={onClose}
      testId="grant-dialog"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="grant-form" variant="primary" busy={busy} disabled={productId === ""} data-testid="grant-save">
            Grant
          </Button>
        </>
      }
    >
      {products.length === 0 ? (
        <EmptyState title={`No products for ${type}s`}>Create one under Products & items.</EmptyState>
      ) : (
        <form id="grant-form" className="form" onSubmit={(e) => void submit(e)} noValidate>
          <Field label="Product">
            {(props) => (
              <select {...props} value={productId} onChange={(e) => setProductId(e.target.value)} data-testid="grant-product-select">
                {products.map(([pid, p]) => (
                  <option key={pid} value={pid}>
                    {p.displayName ?? pid}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {stackable && (
            <Field label="Quantity" error={quantityError}>
              {(props) => <input {...props} inputMode="numeric" value={quantity} onChange={(e) => setQuantity(e.target.value)} data-testid="grant-quantity" />}
            </Field>
          )}
          {!quantityError && <FormError error={error} testId="grant-error" />}
        </form>
      )}
    </Dialog>
  );
}

function SimulateDialog({ session, type, id, payments, onClose }: { session: DashboardSession; type: CustomerType; id: string; payments: Payments; onClose(): void }) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const products = productsFor(payments, type).filter(([, p]) => p.prices !== "include-by-default" && Object.keys(p.prices ?? {}).length > 0);
  const [productId, setProductId] = useState(products[0]?.[0] ?? "");
  const prices = Object.entries((payments.products?.[productId]?.prices as Record<string, { USD?: string }> | undefined) ?? {});
  const [priceId, setPriceId] = useState("");
  const [quantity, setQuantity] = useState("1");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const stackable = payments.products?.[productId]?.stackable === true;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const made = await session.api.simulatePurchase({
        customer_type: type,
        customer_id: id,
        product_id: productId,
        ...(priceId ? { price_id: priceId } : {}),
        // Sent as typed: the emulator refuses what is not a whole number of at least 1, naming the field.
        ...(stackable ? { quantity: (quantity.trim() !== "" && Number.isFinite(Number(quantity)) ? Number(quantity) : quantity) as number } : {}),
      });
      void queryClient.invalidateQueries({ queryKey: stackQueryKeys.customer(session.projectId, customerSelector(type, id)) });
      toast(`Paid ${formatMoney(made.amount_usd)} for ${payments.products?.[productId]?.displayName ?? productId} with the test card 4242.`);
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title="Simulate a paid purchase"
      description="A live-mode purchase paid with the test card 4242 4242 4242 4242, as a buyer would make at checkout: it is charged, sends a receipt and can be refunded."
      onClose={onClose}
      testId="simulate-dialog"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form="simulate-form" variant="primary" busy={busy} disabled={productId === ""} data-testid="simulate-save">
            Pay
          </Button>
        </>
      }
    >
      {products.length === 0 ? (
        <EmptyState title={`No priced products for ${type}s`} />
      ) : (
        <form id="simulate-form" className="form" onSubmit={(e) => void submit(e)}>
          <Field label="Product">
            {(props) => (
              <select
                {...props}
                value={productId}
                onChange={(e) => {
                  setProductId(e.target.value);
                  setPriceId("");
                }}
                data-testid="simulate-product"
              >
                {products.map(([pid, p]) => (
                  <option key={pid} value={pid}>
                    {p.displayName ?? pid}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {prices.length > 1 && (
            <Field label="Price">
              {(props) => (
                <select {...props} value={priceId} onChange={(e) => setPriceId(e.target.value)}>
                  <option value="">The first price</option>
                  {prices.map(([pid, p]) => (
                    <option key={pid} value={pid}>
                      {pid}
                      {p.USD ? ` (${formatMoney(p.USD)})` : ""}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          {stackable && (
            <Field label="Quantity">
              {(props) => <input {...props} inputMode="numeric" value={quantity} onChange={(e) => setQuantity(e.target.value)} data-testid="simulate-quantity" />}
            </Field>
          )}
          {error !== null && (
            <p className="form-error pre-line" role="alert" data-testid="simulate-error">
              {errorMessage(error)}
            </p>
          )}
        </form>
      )}
    </Dialog>
  );
}
